/*
 * assoc.h: the hash table from keys to items, and the striped item locks
 * over its buckets (see assoc.c's header).  Callers of assoc_* hold the
 * item lock for the key's hash value; assoc_* functions never take item
 * locks themselves.
 */
#ifndef ASSOC_H
#define ASSOC_H

#include "items.h"

/* Table and item locks; 0: default power (16).  Reads settings. */
bool assoc_init(int hashpower_init);
void assoc_shutdown(void);   /* frees both; expand thread stopped */
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

/* The striped item locks.  Lock i covers every hash value whose low
 * item_lock_power() bits equal i.  No thread may block on a second item
 * lock while holding one, except the expansion thread (which holds no
 * other lock while doing so); walkers that hold an LRU lock only try
 * them (item_trylock), as they reach items against the lock order. */
unsigned int item_lock_power(void);
void item_lock(uint32_t hv);
bool item_trylock(uint32_t hv);   /* true: now held */
void item_unlock(uint32_t hv);

#endif /* ASSOC_H */
