/* The self-test passes on a correct build and is idempotent. */
#include <string.h>

#include "check.h"
#include "hush.h"

int
main(void)
{
    CHECK_EQ_INT(hush_init(), HUSH_OK);
    CHECK_EQ_INT(hush_init(), HUSH_OK);
    CHECK_EQ_INT(hush_selftest(), HUSH_OK);
    CHECK_EQ_INT(hush_selftest(), HUSH_OK);
    CHECK(strcmp(hush_version(), HUSH_VERSION_STRING) == 0);
    return check_done();
}
