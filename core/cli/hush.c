/* hush: the native command-line tool (offline recovery, scripting, tests).
 * Usage: hush version | hush selftest */
#include <stdio.h>
#include <string.h>

#include "hush.h"

static int
usage(void)
{
    fprintf(stderr, "usage: hush version | hush selftest\n");
    return 2;
}

int
main(int argc, char **argv)
{
    int rc;

    if (argc < 2) {
        return usage();
    }
    if (strcmp(argv[1], "version") == 0) {
        printf("%s\n", hush_version());
        return 0;
    }
    if (strcmp(argv[1], "selftest") == 0) {
        rc = hush_selftest();
        printf("%s\n", hush_strerror(rc));
        return rc == HUSH_OK ? 0 : 1;
    }
    return usage();
}
