/*
 * fuzz.h: the libFuzzer entry points fuzz_text.c defines, declared for
 * replay_main.c (and for -Wmissing-prototypes).
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif /* FUZZ_H */
