/*
 * base64.h: base64 encode and decode (base64.c), for keys with bytes a
 * text line cannot carry.
 */
#ifndef BASE64_H
#define BASE64_H

#include <stddef.h>

/* Bytes base64_encode() writes for n input bytes (no NUL). */
#define BASE64_ENCODED_LEN(n) (4 * (((n) + 2) / 3))

/* Standard base64 with padding; out needs BASE64_ENCODED_LEN(n) bytes.
 * Returns the bytes written. */
size_t base64_encode(const unsigned char *in, size_t n, char *out);

/* Decode s[0..n) in place, leniently as the reference does: characters
 * outside the alphabet are skipped, the rest must come in groups of
 * four, and decoding stops after the first group holding '=' (one or two
 * of them).  Returns the decoded length, 0 on failure. */
size_t base64_decode_inplace(char *s, size_t n);

#endif /* BASE64_H */
