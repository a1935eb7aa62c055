/* SHA-256 (FIPS 180-4). Pure. */
#ifndef MARSAD_SHA256_H
#define MARSAD_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
    uint32_t h[8];
    uint64_t len;
    unsigned char block[64];
    size_t fill;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t n);
void sha256_final(struct sha256 *s, unsigned char out[32]);
/* Hex digest of data into out (65 bytes, NUL-terminated). */
void sha256_hex(const void *data, size_t n, char out[65]);
void sha256_to_hex(const unsigned char digest[32], char out[65]);

#endif
