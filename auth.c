/*
 * auth.c: the -Y authentication file and the check of a login token.
 *
 * The file holds one "user:password" per line (at most AUTH_MAX_ENTRIES,
 * lines up to 255 bytes; blank lines ignored).  It is read once at start
 * and never changed, so lookups need no lock.  Passwords are compared in
 * time independent of where they first differ, so the reply time does
 * not tell how much of a guess was right.
 */
#include "auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AUTH_MAX_ENTRIES 1024
#define AUTH_LINE_MAX 256

struct auth_entry {
    char *user;
    char *pass;
};

static struct auth_entry *entries;
static size_t nentries;

bool auth_enabled(void)
{
    return entries != NULL;
}

static bool add_entry(const char *line, size_t len)
{
    const char *colon = memchr(line, ':', len);
    struct auth_entry *e;

    if (colon == NULL || colon == line)
        return false;
    if (nentries == AUTH_MAX_ENTRIES)
        return false;
    e = &entries[nentries];
    e->user = strndup(line, (size_t)(colon - line));
    e->pass = strndup(colon + 1, len - (size_t)(colon - line) - 1);
    if (e->user == NULL || e->pass == NULL) {
        free(e->user);
        free(e->pass);
        return false;
    }
    nentries++;
    return true;
}

bool auth_load(const char *path)
{
    char line[AUTH_LINE_MAX];
    FILE *f = fopen(path, "r");
    int lineno = 0;

    if (f == NULL) {
        fprintf(stderr, "Could not open the auth file %s\n", path);
        return false;
    }
    entries = calloc(AUTH_MAX_ENTRIES, sizeof(*entries));
    if (entries == NULL) {
        fclose(f);
        return false;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        size_t len = strcspn(line, "\r\n");

        lineno++;
        if (len == 0)
            continue;
        if (!add_entry(line, len)) {
            fprintf(stderr, "auth file %s line %d: expected user:password\n",
                    path, lineno);
            fclose(f);
            auth_free();
            return false;
        }
    }
    fclose(f);
    return true;
}

static bool same_secret(const char *a, size_t alen, const char *b,
                        size_t blen)
{
    unsigned char diff = alen != blen;
    size_t i;

    for (i = 0; i < alen; i++)
        diff |= (unsigned char)(a[i] ^ b[i < blen ? i : 0]);
    return diff == 0 && blen > 0;
}

enum auth_result auth_check_token(const char *token, size_t len)
{
    const char *sp;
    size_t ulen, plen, i;

    /* Trailing blanks are forgiven, as the reference forgives them. */
    while (len > 0 && (token[len - 1] == ' ' || token[len - 1] == '\t'))
        len--;
    sp = memchr(token, ' ', len);
    if (sp == NULL || sp == token || sp == token + len - 1)
        return AUTH_BAD_FORMAT;
    ulen = (size_t)(sp - token);
    plen = len - ulen - 1;
    for (i = 0; i < nentries; i++) {
        if (strlen(entries[i].user) == ulen &&
            memcmp(entries[i].user, token, ulen) == 0)
            return same_secret(sp + 1, plen, entries[i].pass,
                               strlen(entries[i].pass))
                       ? AUTH_OK : AUTH_FAILED;
    }
    return AUTH_FAILED;
}

void auth_free(void)
{
    size_t i;

    for (i = 0; i < nentries; i++) {
        free(entries[i].user);
        free(entries[i].pass);
    }
    free(entries);
    entries = NULL;
    nentries = 0;
}
