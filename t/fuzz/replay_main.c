/*
 * replay_main.c: runs the fuzz target over files without libFuzzer, so
 * `make check` can replay the corpus with any compiler.
 *
 *   t/fuzz/replay FILE|DIR...    every regular file, directories one level
 *
 * Prints "ok N - name" per file (TAP, plan first), so t/fuzz.t can pass
 * it through.  A crash or sanitizer report ends the process non-zero.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#define MAX_FILES 4096
#define REPLAY_MAX_INPUT (1 << 20)

static char *files[MAX_FILES];
static int nfiles;

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add(const char *path)
{
    struct stat st;
    DIR *d;
    struct dirent *e;

    if (stat(path, &st) != 0)
        return;
    if (S_ISREG(st.st_mode)) {
        if (nfiles < MAX_FILES)
            files[nfiles++] = strdup(path);
        return;
    }
    if (!S_ISDIR(st.st_mode) || (d = opendir(path)) == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        char buf[4096];

        if (e->d_name[0] == '.')
            continue;
        snprintf(buf, sizeof(buf), "%s/%s", path, e->d_name);
        if (stat(buf, &st) == 0 && S_ISREG(st.st_mode) && nfiles < MAX_FILES)
            files[nfiles++] = strdup(buf);
    }
    closedir(d);
}

static int run(const char *path)
{
    static unsigned char buf[REPLAY_MAX_INPUT];
    FILE *f = fopen(path, "rb");
    size_t n;

    if (f == NULL)
        return -1;
    n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    return LLVMFuzzerTestOneInput(buf, n);
}

int main(int argc, char **argv)
{
    int i, bad = 0;

    for (i = 1; i < argc; i++)
        add(argv[i]);
    qsort(files, nfiles, sizeof(files[0]), cmp);
    LLVMFuzzerInitialize(&argc, &argv);
    printf("1..%d\n", nfiles);
    for (i = 0; i < nfiles; i++) {
        int rc = run(files[i]);

        printf("%sok %d - %s\n", rc == 0 ? "" : "not ", i + 1, files[i]);
        fflush(stdout);
        bad += rc != 0;
        free(files[i]);
    }
    return bad ? 1 : 0;
}
