/*
 * hash.h: the key hash function, selected by -o hash_algorithm.
 */
#ifndef HASH_H
#define HASH_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

enum hash_algorithm { HASH_MURMUR3 = 0, HASH_JENKINS = 1 };

/* Select the algorithm (by -o hash_algorithm name); false if unknown. */
bool hash_select(const char *name);
uint32_t hash(const void *key, size_t length);

#endif /* HASH_H */
