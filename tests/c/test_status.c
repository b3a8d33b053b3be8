/* Status codes: every code has its own message, unknown codes are named as
 * such, and the constants blob for JS carries the same list. */
#include <string.h>

#include "check.h"
#include "hush.h"

int
main(void)
{
    const char *json = hush_constants_json();

    CHECK(strcmp(hush_strerror(HUSH_OK), "ok") == 0);
    CHECK(strcmp(hush_strerror(HUSH_ERR_ARGUMENT), "invalid argument") == 0);
    CHECK(strcmp(hush_strerror(12345), "unknown error") == 0);
    CHECK(strcmp(hush_strerror(HUSH_ERR_SELFTEST), hush_strerror(HUSH_ERR_CRYPTO)) != 0);

    CHECK(json[0] == '{' && json[strlen(json) - 1] == '}');
    CHECK(strstr(json, "\"ERR_ARGUMENT\":-2") != NULL);
    CHECK(strstr(json, "\"ERR_SELFTEST\":\"self-test failed") != NULL);
    CHECK(strstr(json, "\"version\":\"" HUSH_VERSION_STRING "\"") != NULL);
    return check_done();
}
