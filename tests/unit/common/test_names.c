/* names.h: portable names, member path safety, collision disambiguation. */
#include <criterion/criterion.h>
#include <stdio.h>

#include "common/names.h"

static const char *clean(const char *raw)
{
    static char out[NAMES_MAX + 1];
    names_sanitize(raw, out, sizeof out);
    return out;
}

Test(names, sanitize_keeps_portable_names)
{
    cr_assert_str_eq(clean("n01440764"), "n01440764");
    cr_assert_str_eq(clean("IMG_0001.v2-final"), "IMG_0001.v2-final");
}

Test(names, sanitize_replaces_runs_of_unportable_bytes_with_one_underscore)
{
    cr_assert_str_eq(clean("cat dog"), "cat_dog");
    cr_assert_str_eq(clean("a  /\\:*?\"<>|b"), "a_b");
    cr_assert_str_eq(clean("caf\xc3\xa9"), "caf_");
    cr_assert_str_eq(clean("a\nb\tc"), "a_b_c");
}

Test(names, sanitize_never_gives_dot_names_or_empty)
{
    cr_assert_str_eq(clean(".."), "_");
    cr_assert_str_eq(clean("."), "_");
    cr_assert_str_eq(clean(""), "_");
    cr_assert_str_eq(clean(".hidden"), "hidden");
    cr_assert_str_eq(clean("-rf"), "rf");
    cr_assert_str_eq(clean("../../etc"), "_.._etc");
}

Test(names, sanitize_cuts_long_names)
{
    char raw[1000];
    memset(raw, 'x', sizeof raw - 1);
    raw[sizeof raw - 1] = '\0';
    cr_assert_eq(strlen(clean(raw)), NAMES_MAX);
    char small[8];
    names_sanitize("abcdefghij", small, sizeof small);
    cr_assert_str_eq(small, "abcdefg");
}

Test(names, member_safety)
{
    const char *why;
    cr_assert(names_member_is_safe("cls/a.jpg", &why));
    cr_assert(names_member_is_safe("./cls/..a.jpg", &why));
    cr_assert_not(names_member_is_safe("../a.jpg", &why));
    cr_assert_not(names_member_is_safe("cls/../../a.jpg", &why));
    cr_assert_not(names_member_is_safe("cls/..", &why));
    cr_assert_not(names_member_is_safe("cls\\..\\a.jpg", &why));
    cr_assert_not(names_member_is_safe("/etc/passwd", &why));
    cr_assert_str_eq(why, "absolute path");
    cr_assert_not(names_member_is_safe("", &why));
    cr_assert_not(names_member_is_safe(NULL, &why));
}

Test(names, image_and_archive_extensions)
{
    cr_assert(names_is_image("a.JPEG"));
    cr_assert(names_is_image("dir/b.png"));
    cr_assert(names_is_image("c.Tiff"));
    cr_assert_not(names_is_image("README.txt"));
    cr_assert_not(names_is_image(".DS_Store"));
    cr_assert_not(names_is_image("._a.jpg"));
    cr_assert_not(names_is_image("jpg"));
    cr_assert(names_is_archive("ILSVRC2012_img_train.tar"));
    cr_assert(names_is_archive("x.TAR.GZ"));
    cr_assert(names_is_archive("x.zip"));
    cr_assert_not(names_is_archive("x.jpg"));
    cr_assert_eq(names_archive_stem_len("n01440764.tar"), 9);
    cr_assert_eq(names_archive_stem_len("a.b.tar.gz"), 3);
    cr_assert_eq(names_archive_stem_len("plain"), 5);
}

Test(names, claim_disambiguates_case_insensitively_per_folder)
{
    names_set *s = names_set_new();
    char out[64];
    err e;
    cr_assert_eq(names_claim(s, "cls", "a", ".jpg", out, sizeof out, &e), 0);
    cr_assert_str_eq(out, "a.jpg");
    names_claim(s, "cls", "A", ".jpg", out, sizeof out, &e);
    cr_assert_str_eq(out, "A-2.jpg");
    names_claim(s, "cls", "a", ".jpg", out, sizeof out, &e);
    cr_assert_str_eq(out, "a-3.jpg");
    names_claim(s, "other", "a", ".jpg", out, sizeof out, &e);
    cr_assert_str_eq(out, "a.jpg", "another folder is another namespace");
    /* A real "a-2" arriving after the disambiguated one is itself kept. */
    names_claim(s, "cls", "a-2", ".jpg", out, sizeof out, &e);
    cr_assert_str_eq(out, "a-2-2.jpg");
    cr_assert_eq(names_claim(s, "cls", "abcdefgh", ".jpg", out, 8, &e), -1);
    names_set_free(s);
}

Test(names, claim_scales_and_stays_unique)
{
    names_set *s = names_set_new();
    char out[64], name[32];
    err e;
    for (int i = 0; i < 20000; i++) {
        snprintf(name, sizeof name, "f%d", i);
        cr_assert_eq(names_claim(s, "c", name, ".jpg", out, sizeof out, &e), 0);
        cr_assert_str_eq(out, strcat(name, ".jpg"));
    }
    cr_assert_eq(names_set_insert(s, "c", "F19999.JPG"), 0);
    cr_assert_eq(names_set_insert(s, "c", "new.jpg"), 1);
    names_set_free(s);
}
