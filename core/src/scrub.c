/* See scrub.h. 64 KiB covers the deepest frames the core's secret paths use
 * (Argon2id's are the largest, a few KiB). */
#include <sodium.h>

#include "scrub.h"

#define SCRUB_BYTES (64 * 1024)

__attribute__((noinline)) void
hush_scrub_stack(void)
{
    volatile unsigned char area[SCRUB_BYTES];

    sodium_memzero((void *) area, sizeof area);
}
