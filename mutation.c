/*
 * mutation.c: the registry behind the engine's mutation hook
 * (mutation.h): one observer, published through an atomic pointer so
 * that the engine's threads read it without a lock.
 *
 * Locks: none.  Observer records are never freed: two slots alternate,
 * so a thread that loaded the current one just before a change still
 * reads a valid record (registration happens at start-up; two changes
 * in the time one mutation takes would be needed to reuse a slot).
 */
#include "mutation.h"
#include "items.h"

static struct mutation_observer observers[2];
static unsigned int next_slot;          /* registration is single-threaded */
const struct mutation_observer *mutation_observer_;

void engine_set_observer(mutation_fn fn, void *arg)
{
    struct mutation_observer *o = &observers[next_slot];

    if (fn == NULL) {
        __atomic_store_n(&mutation_observer_, NULL, __ATOMIC_RELEASE);
        return;
    }
    o->fn = fn;
    o->arg = arg;
    next_slot ^= 1;
    __atomic_store_n(&mutation_observer_, o, __ATOMIC_RELEASE);
}

void mutation_call(const struct mutation_observer *o,
                   enum mutation_kind kind, item *it, rel_time_t when)
{
    struct mutation m;

    m.kind = kind;
    m.it = it;
    m.key = it != NULL ? item_key(it) : NULL;
    m.nkey = it != NULL ? it->nkey : 0;
    m.cas = it != NULL ? item_get_cas(it) : 0;
    m.when = when;
    o->fn(&m, o->arg);
}
