/* libFuzzer's driver, entered from our own main: SwiftPM renames an executable's main, so the
 * harness cannot rely on libFuzzer's. Defined by -sanitize=fuzzer's runtime. */
#ifndef FUZZ_DRIVER_H
#define FUZZ_DRIVER_H
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
