/* hush: the native command-line tool (offline recovery, scripting, tests).
 * Usage: see usage() below. Exit status: 0 done, 1 bad input or a failed
 * check (the core's message on stderr), 2 bad usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "hush.h"

static int
usage(void)
{
    fprintf(stderr,
            "usage: hush version\n"
            "       hush selftest\n"
            "       hush phrase <32-hex-seed>       print the seed's 13-word recovery phrase\n"
            "       hush id <phrase | 32-hex-seed>  print the Session ID (the phrase as one\n"
            "                                       quoted argument or as 13 arguments)\n"
            "       hush id -                       the same, reading the phrase from standard\n"
            "                                       input (keeps it out of shell history and ps)\n");
    return 2;
}

/* Joins args with single spaces, so `hush id w1 ... w13` and
 * `hush id "w1 ... w13"` read the same. The caller wipes and frees it. */
static char *
join_args(int n, char **args, size_t *size)
{
    size_t total = 1, pos = 0;
    char *s;
    int i;

    for (i = 0; i < n; i++) total += strlen(args[i]) + 1;
    if ((s = malloc(total)) == NULL) return NULL;
    for (i = 0; i < n; i++) {
        size_t len = strlen(args[i]);
        if (i > 0) s[pos++] = ' ';
        memcpy(s + pos, args[i], len);
        pos += len;
    }
    s[pos] = '\0';
    *size = total;
    return s;
}

/* Decodes the phrase or hex seed in args; on failure prints the core's
 * message and returns 0. */
static int
read_seed(uint8_t seed[HUSH_SEED_BYTES], int n, char **args)
{
    char message[HUSH_MESSAGE_MAX] = "";
    size_t size = 0, got;
    char *text;
    int rc;

    if (n == 1 && strcmp(args[0], "-") == 0) {
        size = 4096;
        if ((text = malloc(size)) != NULL) {
            got = fread(text, 1, size - 1, stdin);
            text[got] = '\0';
        }
    } else {
        text = join_args(n, args, &size);
    }

    if (text == NULL) {
        fprintf(stderr, "hush: %s\n", hush_strerror(HUSH_ERR_NOMEM));
        return 0;
    }
    rc = hush_phrase_decode(seed, text, message);
    sodium_memzero(text, size);
    free(text);
    if (rc != HUSH_OK) {
        fprintf(stderr, "%s\n", message[0] ? message : hush_strerror(rc));
        return 0;
    }
    return 1;
}

int
main(int argc, char **argv)
{
    uint8_t seed[HUSH_SEED_BYTES];
    char phrase[HUSH_PHRASE_MAX];
    char id[HUSH_SESSION_ID_CHARS + 1];
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
    if (strcmp(argv[1], "phrase") == 0 && argc == 3) {
        if (!read_seed(seed, 1, argv + 2)) return 1;
        rc = hush_phrase_encode(phrase, seed);
        if (rc == HUSH_OK) printf("%s\n", phrase);
        sodium_memzero(seed, sizeof seed);
        sodium_memzero(phrase, sizeof phrase);
        if (rc != HUSH_OK) fprintf(stderr, "hush: %s\n", hush_strerror(rc));
        return rc == HUSH_OK ? 0 : 1;
    }
    if (strcmp(argv[1], "id") == 0 && argc >= 3) {
        if (!read_seed(seed, argc - 2, argv + 2)) return 1;
        rc = hush_session_id(id, seed);
        sodium_memzero(seed, sizeof seed);
        if (rc != HUSH_OK) {
            fprintf(stderr, "hush: %s\n", hush_strerror(rc));
            return 1;
        }
        printf("%s\n", id);
        return 0;
    }
    return usage();
}
