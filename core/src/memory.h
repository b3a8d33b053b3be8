/* Zeroing allocation for SQLite (internal). See memory.c. */
#ifndef HUSH_MEMORY_H
#define HUSH_MEMORY_H

/* Installs SQLite's zeroing allocator; idempotent, before any SQLite use. */
int hush_memory_init(void);

#endif
