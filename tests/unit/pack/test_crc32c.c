#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "common/crc32c.h"

/* Check values from RFC 3720 (iSCSI), appendix B.4, and the usual "123456789" one. */
Test(crc32c, known_values)
{
    cr_assert_eq(crc32c(0, "123456789", 9), 0xE3069283u);
    uint8_t zeros[32] = {0}, ones[32], inc[32];
    memset(ones, 0xFF, sizeof ones);
    for (int i = 0; i < 32; i++)
        inc[i] = (uint8_t)i;
    cr_assert_eq(crc32c(0, zeros, 32), 0x8A9136AAu);
    cr_assert_eq(crc32c(0, ones, 32), 0x62A8AB43u);
    cr_assert_eq(crc32c(0, inc, 32), 0x46DD794Eu);
    cr_assert_eq(crc32c(0, "", 0), 0u);
}

Test(crc32c, hardware_and_table_agree_at_every_length_and_alignment)
{
    uint8_t buf[300];
    for (int i = 0; i < 300; i++)
        buf[i] = (uint8_t)(i * 131 + 7);
    for (size_t off = 0; off < 8; off++)
        for (size_t len = 0; len + off <= sizeof buf; len += 13)
            cr_assert_eq(crc32c(0, buf + off, len), crc32c_portable(0, buf + off, len),
                         "off %zu len %zu", off, len);
}

Test(crc32c, in_pieces_equals_whole)
{
    const char *s = "The quick brown fox jumps over the lazy dog";
    size_t n = strlen(s);
    for (size_t cut = 0; cut <= n; cut++)
        cr_assert_eq(crc32c(crc32c(0, s, cut), s + cut, n - cut), crc32c(0, s, n));
}
