/* The vault's own settings (key -> text): a backup target's address and
 * credentials, say. They live in the encrypted store, table `settings`,
 * belong to this device and never go into a backup. */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "hush.h"
#include "store_internal.h"

static int
valid_key(const char *key)
{
    size_t n = key ? strlen(key) : 0;
    return n >= 1 && n <= 64;
}

int
hush_setting_set(hush_vault *v, const char *key, const char *value)
{
    sqlite3 *db;
    sqlite3_stmt *st = NULL;
    int rc;

    if (!valid_key(key) || (value != NULL && strlen(value) > HUSH_SETTING_MAX)) return HUSH_ERR_ARGUMENT;
    if ((rc = hush_store_db(v, &db, 0)) != HUSH_OK) return rc;
    rc = sqlite3_prepare_v2(db, value ? "INSERT OR REPLACE INTO settings(key, value) VALUES (?, ?)"
                                      : "DELETE FROM settings WHERE key = ?", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        if (value) sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
        rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(db);
    }
    sqlite3_finalize(st);
    return hush_store_status(rc);
}

int
hush_setting_get(hush_vault *v, const char *key, char **value)
{
    sqlite3 *db;
    sqlite3_stmt *st = NULL;
    int rc;

    if (!valid_key(key) || value == NULL) return HUSH_ERR_ARGUMENT;
    *value = NULL;
    if ((rc = hush_store_db(v, &db, 0)) != HUSH_OK) return rc;
    if ((rc = sqlite3_prepare_v2(db, "SELECT value FROM settings WHERE key = ?", -1, &st, NULL)) != SQLITE_OK) {
        return hush_store_status(rc);
    }
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *text = (const char *) sqlite3_column_text(st, 0);
        size_t n = (size_t) sqlite3_column_bytes(st, 0);
        if ((*value = malloc(n + 1)) == NULL) rc = SQLITE_NOMEM;
        else { memcpy(*value, text ? text : "", n); (*value)[n] = 0; rc = SQLITE_OK; }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? HUSH_ERR_NOT_FOUND : hush_store_status(rc);
}
