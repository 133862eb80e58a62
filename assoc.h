/*
 * assoc.h: the hash table from keys to items (see assoc.c's header).
 * Callers hold the item lock for the key's hash value; assoc_* functions
 * never take item locks themselves.
 */
#ifndef ASSOC_H
#define ASSOC_H

#include "items.h"

bool assoc_init(int hashpower_init);   /* 0: default (16) */
void assoc_shutdown(void);   /* frees the table; expand thread stopped */
item *assoc_find(const char *key, size_t nkey, uint32_t hv);
bool assoc_insert(item *it, uint32_t hv);   /* key must not be present */
void assoc_delete(const char *key, size_t nkey, uint32_t hv);
void assoc_replace(item *old, item *it, uint32_t hv);  /* same key */

/* Background expansion thread (not started with -o no_hashexpand). */
bool assoc_start_expand_thread(void);
void assoc_stop_expand_thread(void);

unsigned int assoc_hashpower(void);
bool assoc_is_expanding(void);
uint64_t assoc_count(void);   /* items in the table */

#endif /* ASSOC_H */
