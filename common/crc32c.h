/* crc32c.h: CRC-32C (Castagnoli), the checksum of a store record's payload.
 *
 * Uses the SSE4.2 crc32 instruction when the CPU has it (checked once, at run time) and a
 * byte-table otherwise; both give the same value. Thread-safe, no allocation.
 * crc32c("123456789") == 0xE3069283.
 */
#ifndef VGG_COMMON_CRC32C_H
#define VGG_COMMON_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* CRC-32C of `size` bytes. To checksum in pieces, pass the previous result as `crc`
 * (0 to start): crc32c(crc32c(0, a, n), b, m) == crc32c of a followed by b. */
uint32_t crc32c(uint32_t crc, const void *data, size_t size);

/* The table implementation, exposed so the tests can compare it with the hardware one. */
uint32_t crc32c_portable(uint32_t crc, const void *data, size_t size);

#endif
