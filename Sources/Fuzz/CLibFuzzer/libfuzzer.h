// libFuzzer's entry for programs that keep their own main (linked by -sanitize=fuzzer only).
#ifndef HIPCALL_SYNC_LIBFUZZER_H
#define HIPCALL_SYNC_LIBFUZZER_H

#include <stddef.h>
#include <stdint.h>

/// Runs libFuzzer with the command line `argc`/`argv`, calling `callback` once per input.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
