/*
 * hash.c: the key hash function (-o hash_algorithm=murmur3|jenkins).
 *
 * Two well-known 32-bit hashes, written byte-wise so they give the same
 * answer on any alignment and endianness:
 *   murmur3  MurmurHash3 x86_32, seed 0 (the default);
 *   jenkins  Bob Jenkins' lookup3 "hashlittle", initval 0.
 * The choice is made once at start-up (hash_select before storage_init)
 * and lives in settings.hash_algorithm; it must not change while items
 * exist, since every bucket and item lock is chosen by the hash.  No locks.
 */
#include "hash.h"
#include "memcached.h"

#include <string.h>

static inline uint32_t rotl32(uint32_t x, int r)
{
    return (x << r) | (x >> (32 - r));
}

/* Little-endian 32-bit load that works on any alignment. */
static inline uint32_t load32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) |
           ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint32_t murmur3_32(const void *key, size_t len)
{
    const uint8_t *p = key;
    const uint32_t c1 = 0xcc9e2d51, c2 = 0x1b873593;
    uint32_t h = 0, k;
    size_t i, nblocks = len / 4;

    for (i = 0; i < nblocks; i++) {
        k = load32(p + i * 4);
        k *= c1;
        k = rotl32(k, 15);
        k *= c2;
        h ^= k;
        h = rotl32(h, 13);
        h = h * 5 + 0xe6546b64;
    }
    p += nblocks * 4;
    k = 0;
    switch (len & 3) {
    case 3:
        k ^= (uint32_t)p[2] << 16;
        /* fall through */
    case 2:
        k ^= (uint32_t)p[1] << 8;
        /* fall through */
    case 1:
        k ^= p[0];
        k *= c1;
        k = rotl32(k, 15);
        k *= c2;
        h ^= k;
    }
    h ^= (uint32_t)len;
    h ^= h >> 16;
    h *= 0x85ebca6b;
    h ^= h >> 13;
    h *= 0xc2b2ae35;
    h ^= h >> 16;
    return h;
}

#define JMIX(a, b, c) do { \
    a -= c; a ^= rotl32(c, 4);  c += b; \
    b -= a; b ^= rotl32(a, 6);  a += c; \
    c -= b; c ^= rotl32(b, 8);  b += a; \
    a -= c; a ^= rotl32(c, 16); c += b; \
    b -= a; b ^= rotl32(a, 19); a += c; \
    c -= b; c ^= rotl32(b, 4);  b += a; \
} while (0)

#define JFINAL(a, b, c) do { \
    c ^= b; c -= rotl32(b, 14); \
    a ^= c; a -= rotl32(c, 11); \
    b ^= a; b -= rotl32(a, 25); \
    c ^= b; c -= rotl32(b, 16); \
    a ^= c; a -= rotl32(c, 4);  \
    b ^= a; b -= rotl32(a, 14); \
    c ^= b; c -= rotl32(b, 24); \
} while (0)

/* lookup3 hashlittle(): the byte-at-a-time path, which gives the same
 * result as the word-at-a-time paths of the original. */
static uint32_t jenkins_hash(const void *key, size_t length)
{
    const uint8_t *k = key;
    uint32_t a, b, c;

    a = b = c = 0xdeadbeef + (uint32_t)length;
    while (length > 12) {
        a += load32(k);
        b += load32(k + 4);
        c += load32(k + 8);
        JMIX(a, b, c);
        length -= 12;
        k += 12;
    }
    switch (length) {
    case 12: c += (uint32_t)k[11] << 24; /* fall through */
    case 11: c += (uint32_t)k[10] << 16; /* fall through */
    case 10: c += (uint32_t)k[9] << 8;   /* fall through */
    case 9:  c += k[8];                  /* fall through */
    case 8:  b += (uint32_t)k[7] << 24;  /* fall through */
    case 7:  b += (uint32_t)k[6] << 16;  /* fall through */
    case 6:  b += (uint32_t)k[5] << 8;   /* fall through */
    case 5:  b += k[4];                  /* fall through */
    case 4:  a += (uint32_t)k[3] << 24;  /* fall through */
    case 3:  a += (uint32_t)k[2] << 16;  /* fall through */
    case 2:  a += (uint32_t)k[1] << 8;   /* fall through */
    case 1:  a += k[0];
        break;
    case 0:
        return c;
    }
    JFINAL(a, b, c);
    return c;
}

bool hash_select(const char *name)
{
    if (strcmp(name, "murmur3") == 0)
        settings.hash_algorithm = HASH_MURMUR3;
    else if (strcmp(name, "jenkins") == 0)
        settings.hash_algorithm = HASH_JENKINS;
    else
        return false;
    return true;
}

uint32_t hash(const void *key, size_t length)
{
    if (settings.hash_algorithm == HASH_JENKINS)
        return jenkins_hash(key, length);
    return murmur3_32(key, length);
}
