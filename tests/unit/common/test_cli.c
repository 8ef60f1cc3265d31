/* cli.h: strict option values with messages naming the option and the range. */
#include <criterion/criterion.h>

#include "common/cli.h"

Test(cli, parse_long_accepts_whole_numbers_in_range)
{
    long long v;
    err e;
    cr_assert_eq(cli_parse_long("--size", "224", 1, 4096, &v, &e), 0);
    cr_assert_eq(v, 224);
    cr_assert_eq(cli_parse_long("--size", "-3", -5, 5, &v, &e), 0);
    cr_assert_eq(v, -3);
}

Test(cli, parse_long_rejects_junk_and_out_of_range)
{
    long long v = 7;
    err e;
    const char *bad[] = {"", "abc", "12x", "0", "4097", "99999999999999999999", " ", "1.5"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        cr_assert_eq(cli_parse_long("--size", bad[i], 1, 4096, &v, &e), -1, "'%s'", bad[i]);
        cr_assert_eq(v, 7);
    }
    cli_parse_long("--size", "abc", 1, 4096, &v, &e);
    cr_assert_str_eq(e.msg, "--size: expected an integer from 1 to 4096, got 'abc'");
}

Test(cli, jobs)
{
    int j;
    err e;
    cr_assert_eq(cli_parse_jobs("3", &j, &e), 0);
    cr_assert_eq(j, 3);
    cr_assert_eq(cli_parse_jobs("auto", &j, &e), 0);
    cr_assert_eq(j, cli_default_jobs());
    cr_assert_eq(cli_parse_jobs("0", &j, &e), 0);
    cr_assert_geq(j, 1);
    cr_assert_eq(cli_parse_jobs("-1", &j, &e), -1);
    cr_assert(strstr(e.msg, "--jobs") != NULL);
}
