/*
 * crawler.h: the LRU crawler (see crawler.c's header).
 */
#ifndef CRAWLER_H
#define CRAWLER_H

#include "memcached.h"

bool crawler_start(void);     /* "lru_crawler enable"; false if running */
void crawler_stop(void);      /* "lru_crawler disable"; waits for it */
bool crawler_running(void);
void crawler_totals(uint64_t *starts, bool *running);

enum crawler_result {
    CRAWLER_OK, CRAWLER_RUNNING, CRAWLER_BADCLASS, CRAWLER_NOTSTARTED
};

/* "lru_crawler crawl <classes|all>": queue a crawl of those classes
 * ("1,2,3" or "all"); the crawler thread reclaims their dead items. */
enum crawler_result crawler_crawl(const char *classes);

/* "lru_crawler metadump|mgdump <classes|all|hash>": walk the classes in
 * the calling thread and pass one line per live item to line(); no lock
 * is held while line() runs. */
enum crawler_result crawler_dump(const char *classes, bool mg,
                                 void (*line)(const char *s, size_t len,
                                              void *cookie),
                                 void *cookie);

#endif /* CRAWLER_H */
