/* Disappearing messages, driven by an injected clock (never by sleeping):
 * each mode and start rule, the unread hard limit, a setting changed
 * mid-conversation, clock rollback, the sweep, and the next-due query
 * served by an index. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "../../core/src/store_internal.h"
#include "check.h"
#include "hush.h"

#define T0 INT64_C(1700000000000)
#define S INT64_C(1000)
#define DAY (86400 * S)

static char dir[64];
static hush_vault *v;
static int64_t me;

static void
setup(void)
{
    uint64_t retry;
    strcpy(dir, "/tmp/hush-dm-XXXXXX");
    if (mkdtemp(dir) == NULL) abort();
    CHECK_EQ_INT(hush_vault_open(&v, dir), HUSH_OK);
    CHECK_EQ_INT(hush_vault_create(v, HUSH_CODE_PIN, (const uint8_t *) "1234", 4, 1, 8, (uint64_t) T0), HUSH_OK);
    CHECK_EQ_INT(hush_identity_create(v, "me", NULL, &me), HUSH_OK);
    (void) retry;
}

static int64_t
add(const char *conv, const char *body, int64_t sent, int outgoing, int mode, int64_t seconds, int64_t now)
{
    int64_t id = 0;
    CHECK_EQ_INT(hush_message_add(v, me, conv, outgoing ? "me" : "them", (const uint8_t *) body, strlen(body), sent,
                                  outgoing, mode, seconds, now, &id), HUSH_OK);
    return id;
}

/* Is a message with this body visible at `now`? */
static int
visible(const char *conv, const char *body, int64_t now)
{
    char *json = NULL, needle[160];
    int found;
    CHECK_EQ_INT(hush_messages(v, me, conv, 0, 500, now, &json), HUSH_OK);
    snprintf(needle, sizeof needle, "\"body\":\"%s\"", body);
    found = json && strstr(json, needle) != NULL;
    hush_free(json);
    return found;
}

static void
test_after_send(void)
{
    /* Sender's copy: from sending. */
    add("send", "mine", T0, 1, HUSH_DISAPPEAR_AFTER_SEND, 10, T0);
    /* Receiver's copy: from the sender's sent time, not from arrival. */
    add("send", "theirs", T0 - 4 * S, 0, HUSH_DISAPPEAR_AFTER_SEND, 10, T0);
    CHECK(visible("send", "mine", T0 + 5 * S));
    CHECK(visible("send", "theirs", T0 + 5 * S));
    CHECK(!visible("send", "theirs", T0 + 6 * S));
    CHECK(visible("send", "mine", T0 + 9999));
    CHECK(!visible("send", "mine", T0 + 10 * S));
}

static void
test_after_read(void)
{
    int64_t a, b, late;
    char ids[64];

    /* Sender's copy of an after-read message still counts from sending. */
    add("read", "sent by me", T0 + 20 * S, 1, HUSH_DISAPPEAR_AFTER_READ, 60, T0 + 20 * S);
    a = add("read", "read soon", T0 + 20 * S, 0, HUSH_DISAPPEAR_AFTER_READ, 60, T0 + 20 * S);
    b = add("read", "never read", T0 + 20 * S, 0, HUSH_DISAPPEAR_AFTER_READ, 60, T0 + 20 * S);
    late = add("read", "long timer", T0 + 20 * S, 0, HUSH_DISAPPEAR_AFTER_READ, 21 * 86400, T0 + 20 * S);
    (void) b; (void) late;
    CHECK(!visible("read", "sent by me", T0 + 80 * S));
    /* Unread: no timer yet. */
    CHECK(visible("read", "read soon", T0 + DAY));
    snprintf(ids, sizeof ids, "[%lld]", (long long) a);
    CHECK_EQ_INT(hush_messages_mark_read(v, me, ids, T0 + DAY), HUSH_OK);
    CHECK(visible("read", "read soon", T0 + DAY + 59 * S));
    CHECK(!visible("read", "read soon", T0 + DAY + 60 * S));
    /* Never read: the 14-day hard limit from arrival... */
    CHECK(visible("read", "never read", T0 + 20 * S + 14 * DAY - 1));
    CHECK(!visible("read", "never read", T0 + 20 * S + 14 * DAY));
    /* ...but never earlier than its own after-read time would put it. */
    CHECK(visible("read", "long timer", T0 + 20 * S + 14 * DAY));
    CHECK(!visible("read", "long timer", T0 + 20 * S + 21 * DAY));
}

static void
test_setting_changes(void)
{
    char *json = NULL;
    int64_t t = T0 + 30 * DAY;

    CHECK_EQ_INT(hush_disappearing_set(v, me, "chat", HUSH_DISAPPEAR_AFTER_SEND, 0, t), HUSH_ERR_DISAPPEARING);
    CHECK_EQ_INT(hush_disappearing_set(v, me, "chat", HUSH_DISAPPEAR_AFTER_SEND, HUSH_DISAPPEAR_MAX_SECONDS + 1, t), HUSH_ERR_DISAPPEARING);
    CHECK_EQ_INT(hush_disappearing_set(v, me, "chat", 7, 10, t), HUSH_ERR_DISAPPEARING);
    CHECK_EQ_INT(hush_disappearing_set(v, me, "chat", HUSH_DISAPPEAR_AFTER_SEND, 100, t), HUSH_OK);
    CHECK_EQ_INT(hush_disappearing_get(v, me, "chat", &json), HUSH_OK);
    CHECK(strcmp(json, "{\"mode\":1,\"seconds\":100}") == 0);
    hush_free(json);
    add("chat", "under the old setting", t, 1, -1, 0, t);
    CHECK_EQ_INT(hush_disappearing_set(v, me, "chat", HUSH_DISAPPEAR_OFF, 0, t + S), HUSH_OK);
    add("chat", "under the new setting", t + S, 1, -1, 0, t + S);
    /* The old message keeps its own copy; the new one never expires. */
    CHECK(visible("chat", "under the old setting", t + 99 * S));
    CHECK(!visible("chat", "under the old setting", t + 100 * S));
    CHECK(visible("chat", "under the new setting", t + 365 * DAY));
}

static void
restart(int64_t now)
{
    uint64_t retry;
    hush_vault_close(v);
    CHECK_EQ_INT(hush_vault_open(&v, dir), HUSH_OK);
    CHECK_EQ_INT(hush_vault_begin_attempt(v, (uint64_t) now, &retry), HUSH_OK);
    CHECK_EQ_INT(hush_vault_unlock(v, (const uint8_t *) "1234", 4, (uint64_t) now), HUSH_UNLOCK_OK);
}

static void
test_rollback_and_sweep(void)
{
    int64_t t = T0 + 400 * DAY, next = 0, id;
    char ids[64];
    int i;

    add("roll", "short", t, 1, HUSH_DISAPPEAR_AFTER_SEND, 10, t);
    id = add("roll", "read me", t, 0, HUSH_DISAPPEAR_AFTER_READ, 30, t);
    /* The clock jumps forward, then back: nothing expired comes back. */
    CHECK(!visible("roll", "short", t + 11 * S));
    CHECK(!visible("roll", "short", t));
    /* Reading with the clock set back does not stretch a life: the timer
     * starts at the largest time seen (t + 11 s), not at t. */
    snprintf(ids, sizeof ids, "[%lld]", (long long) id);
    CHECK_EQ_INT(hush_messages_mark_read(v, me, ids, t), HUSH_OK);
    CHECK(visible("roll", "read me", t));
    CHECK(!visible("roll", "read me", t + 41 * S));

    /* The sweep deletes in bounded batches and says when the next is due. */
    for (i = 0; i < 25; i++) add("bulk", "bulk", t + 50 * S, 1, HUSH_DISAPPEAR_AFTER_SEND, 10 + i, t + 50 * S);
    add("bulk", "later", t + 50 * S, 1, HUSH_DISAPPEAR_AFTER_SEND, 3600, t + 50 * S);
    CHECK_EQ_INT(hush_sweep(v, t + 100 * S, 10, &next), 10);
    CHECK_EQ_INT(next, t + 100 * S); /* more are due now */
    CHECK(hush_sweep(v, t + 100 * S, 1000, &next) >= 15);
    CHECK_EQ_INT(next, t + 50 * S + 3600 * S);
    CHECK_EQ_INT(hush_next_due(v, t + 100 * S, &next), HUSH_OK);
    CHECK_EQ_INT(next, t + 50 * S + 3600 * S);
    CHECK_EQ_INT(hush_sweep(v, t + 100 * S, 1000, &next), 0);

    add("bulk", "no timer", t + 50 * S, 1, HUSH_DISAPPEAR_OFF, 0, t + 50 * S);

    /* After a restart with the clock a minute back (within the tolerance),
     * the stored clock still rules: nothing expired comes back, nothing
     * else goes. */
    restart(t + 40 * S);
    CHECK(visible("bulk", "later", t + 40 * S));
    CHECK(!visible("roll", "short", t + 40 * S));
    CHECK(!visible("chat", "under the old setting", t + 40 * S));
    /* With the clock set back further than that, how long the app was
     * closed is unknown: every started timer counts as run out. */
    restart(T0);
    CHECK(!visible("bulk", "later", T0));
    CHECK(visible("bulk", "no timer", T0));
    CHECK(!visible("roll", "short", T0));
}

/* Bad timing from outside: a message already expired when it arrives is
 * dropped without touching a page; a sent time in the future counts from
 * arrival, so the sender's clock cannot make it outlive its timer. */
static void
test_arrivals(void)
{
    int64_t t = T0 + 500 * DAY, id = 1;

    CHECK_EQ_INT(hush_message_add(v, me, "late", "them", (const uint8_t *) "stale", 5, t - 20 * S, 0,
                                  HUSH_DISAPPEAR_AFTER_SEND, 10, t, &id), HUSH_OK);
    CHECK_EQ_INT(id, 0);
    CHECK(!visible("late", "stale", t));
    add("late", "from the future", t + 30 * DAY, 0, HUSH_DISAPPEAR_AFTER_SEND, 10, t);
    CHECK(visible("late", "from the future", t + 9 * S));
    CHECK(!visible("late", "from the future", t + 10 * S));
}

static void
test_next_due_uses_an_index(void)
{
    char *plan = NULL;
    CHECK_EQ_INT(hush_store_query_plan(v, HUSH_NEXT_DUE_SQL, &plan), HUSH_OK);
    printf("EXPLAIN QUERY PLAN %s\n%s", HUSH_NEXT_DUE_SQL, plan);
    CHECK(strstr(plan, "USING COVERING INDEX messages_by_expiry (expires_at>?)") != NULL);
    CHECK(strstr(plan, "SCAN") == NULL);
    hush_free(plan);
}

int
main(void)
{
    char cmd[96];
    if (sodium_init() < 0) return 1;
    setup();
    test_after_send();
    test_after_read();
    test_setting_changes();
    test_rollback_and_sweep();
    test_arrivals();
    test_next_due_uses_an_index();
    hush_vault_close(v);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) return 1;
    return check_done();
}
