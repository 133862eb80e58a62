/*
 * base64.c: the standard base64 alphabet with '=' padding (RFC 4648),
 * as the meta protocol's b flag and the crawler's metadump print binary
 * keys.  The decoder is lenient the way the reference's is (see
 * base64.h), since clients rely on it.
 *
 * Pure functions over caller buffers: no data, no allocation, no locks.
 */
#include "base64.h"

#include <string.h>

static const char b64_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_value(unsigned char ch)
{
    const char *p;

    if (ch == '=')
        return 0;
    if (ch == '\0')
        return -1;
    p = strchr(b64_chars, ch);
    return p == NULL ? -1 : (int)(p - b64_chars);
}

size_t base64_decode_inplace(char *s, size_t n)
{
    unsigned char blk[4];
    size_t i, valid = 0, out = 0;
    int cnt = 0, pad = 0;

    for (i = 0; i < n; i++)
        if (b64_value((unsigned char)s[i]) >= 0)
            valid++;
    if (valid == 0 || valid % 4 != 0)
        return 0;
    for (i = 0; i < n; i++) {
        int v = b64_value((unsigned char)s[i]);

        if (v < 0)
            continue;
        if (s[i] == '=')
            pad++;
        blk[cnt++] = (unsigned char)v;
        if (cnt < 4)
            continue;
        /* out <= i - 3 here, so writing in place never overtakes input */
        s[out++] = (char)((blk[0] << 2) | (blk[1] >> 4));
        s[out++] = (char)((blk[1] << 4) | (blk[2] >> 2));
        s[out++] = (char)((blk[2] << 6) | blk[3]);
        cnt = 0;
        if (pad > 2)
            return 0;
        if (pad > 0) {
            out -= (size_t)pad;
            break;
        }
    }
    return out;
}

size_t base64_encode(const unsigned char *in, size_t n, char *out)
{
    size_t i, o = 0;

    for (i = 0; i + 2 < n; i += 3) {
        out[o++] = b64_chars[in[i] >> 2];
        out[o++] = b64_chars[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
        out[o++] = b64_chars[((in[i + 1] & 15) << 2) | (in[i + 2] >> 6)];
        out[o++] = b64_chars[in[i + 2] & 63];
    }
    if (i < n) {
        out[o++] = b64_chars[in[i] >> 2];
        if (i + 1 < n) {
            out[o++] = b64_chars[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
            out[o++] = b64_chars[(in[i + 1] & 15) << 2];
        } else {
            out[o++] = b64_chars[(in[i] & 3) << 4];
            out[o++] = '=';
        }
        out[o++] = '=';
    }
    return o;
}
