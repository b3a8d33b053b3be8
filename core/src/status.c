/* Error messages and the constants blob for JS, both expanded from the one
 * list in hush.h so C and JS can never disagree. */
#include <sodium.h>
#include <sqlite3.h>

#include "hush.h"

const char *
hush_strerror(int status)
{
    switch (status) {
#define HUSH_MESSAGE_CASE(name, value, message) case value: return message;
        HUSH_STATUS_LIST(HUSH_MESSAGE_CASE)
#undef HUSH_MESSAGE_CASE
    default:
        return "unknown error";
    }
}

#define HUSH_JSON_CODE(name, value, message) ",\"" #name "\":" #value
#define HUSH_JSON_MESSAGE(name, value, message) ",\"" #name "\":\"" message "\""
#define HUSH_JSON_ITEM(name, value) ",\"" #name "\":" #value
#define HUSH_JSON_TYPE(name, value, text) ",\"" text "\":" #value
#define HUSH_STR2(x) #x
#define HUSH_STR(x) HUSH_STR2(x)

const char *
hush_constants_json(void)
{
    /* The leading comma of each list is eaten by a dummy first member. */
    return "{\"version\":\"" HUSH_VERSION_STRING "\""
           ",\"sodium\":\"" SODIUM_VERSION_STRING "\""
           ",\"sqlite\":\"" SQLITE_VERSION "\""
           ",\"status\":{\"_\":null" HUSH_STATUS_LIST(HUSH_JSON_CODE) "}"
           ",\"messages\":{\"_\":null" HUSH_STATUS_LIST(HUSH_JSON_MESSAGE) "}"
           ",\"kind\":{\"_\":null" HUSH_CODE_KINDS(HUSH_JSON_ITEM) "}"
           ",\"state\":{\"_\":null" HUSH_VAULT_STATES(HUSH_JSON_ITEM) "}"
           ",\"outcome\":{\"_\":null" HUSH_UNLOCK_OUTCOMES(HUSH_JSON_ITEM) "}"
           ",\"files\":{\"lock\":\"" HUSH_FILE_LOCK "\",\"pages\":\"" HUSH_FILE_PAGES "\",\"journal\":\"" HUSH_FILE_JOURNAL "\"}"
           ",\"trust\":{\"_\":null" HUSH_TRUST_OUTCOMES(HUSH_JSON_ITEM) "}"
           ",\"trusteeSlots\":" HUSH_STR(HUSH_TRUSTEE_SLOTS)
           ",\"wipeMessageBytes\":" HUSH_STR(HUSH_WIPE_MESSAGE_BYTES)
           ",\"lockfileBytes\":" HUSH_STR(HUSH_LOCKFILE_BYTES)
           ",\"messageTypes\":{\"_\":null" HUSH_MESSAGE_TYPES(HUSH_JSON_TYPE) "}"
           ",\"sealedMax\":" HUSH_STR(HUSH_SEALED_MAX)
           ",\"backupHeaderBytes\":" HUSH_STR(HUSH_BACKUP_HEADER_BYTES)
           ",\"backupChunkBytes\":" HUSH_STR(HUSH_BACKUP_CHUNK_BYTES)
           ",\"attemptLimitDefault\":" HUSH_STR(HUSH_ATTEMPT_LIMIT_DEFAULT)
           ",\"attemptLimitMax\":" HUSH_STR(HUSH_ATTEMPT_LIMIT_MAX)
           "}";
}
