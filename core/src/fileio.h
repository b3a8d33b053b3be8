/* File helpers shared by the vault and the store (internal). */
#ifndef HUSH_FILEIO_H
#define HUSH_FILEIO_H

#include <sys/stat.h>

/* Sets path's mtime to max(now, before's mtime + 1 ms). Emscripten's IDBFS
 * persists a file only when its millisecond mtime differs from the stored
 * one, so two writes in the same millisecond would otherwise lose the
 * second. before may be NULL (a new file). Returns 0 or -1. */
int hush_mtime_forward(const char *path, const struct stat *before);

#endif
