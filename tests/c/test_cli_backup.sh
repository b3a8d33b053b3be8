#!/bin/sh
# hush backup-decrypt, the offline decoder: a backup made by the core
# decrypts with its phrase (read from stdin) into a folder whose
# backup.sqlite opens in Debian's sqlite3 and holds the untimed messages and
# no timed one, with the attachment's bytes beside it; a wrong phrase, a cut
# or damaged backup, or an existing folder exit 1 with the core's message
# and leave no folder behind.
# Usage: test_cli_backup.sh <path to hush> <path to test_backup>
hush=${1:?usage} maker=${2:?usage}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
failures=0 checks=0
fail() { failures=$((failures + 1)); echo "FAIL: $*" >&2; }
check() { checks=$((checks + 1)); }

HUSH_BACKUP_BIG_MB=0 "$maker" --sample "$tmp" >/dev/null || { echo "FAIL: making the sample" >&2; exit 1; }

check
"$hush" backup-decrypt --phrase - "$tmp/sample.hush" "$tmp/out" <"$tmp/phrase" >"$tmp/stdout" 2>"$tmp/stderr" ||
  fail "decrypt: $(cat "$tmp/stderr")"
check
[ "$(cat "$tmp/stdout")" = "$tmp/out/backup.sqlite" ] || fail "stdout: $(cat "$tmp/stdout")"
q() { sqlite3 -batch -noheader "$tmp/out/backup.sqlite" "$1"; }
check
[ "$(q 'PRAGMA integrity_check')" = ok ] || fail "integrity_check"
check
[ "$(q "SELECT name FROM identity")" = "Bob at the border" ] || fail "identity name"
check
[ "$(q "SELECT count(*) FROM messages WHERE body LIKE 'CANARY%'")" = 1 ] || fail "the untimed message"
check
[ "$(q "SELECT count(*) FROM messages WHERE body LIKE 'TIMED%'")" = 0 ] || fail "a timed message came out"
check
[ "$(q "SELECT disappearing_mode || '/' || disappearing_seconds FROM conversations WHERE id = '05bb'")" = 2/300 ] ||
  fail "the conversation's timer"
check
[ "$(q "SELECT count(*) FROM protected")" = 1 ] || fail "protected persons"
check
file=$(q "SELECT file FROM attachments WHERE name = 'photo.jpg'")
size=$(q "SELECT size FROM attachments WHERE name = 'photo.jpg'")
[ -n "$file" ] && [ "$(wc -c <"$tmp/out/$file")" -eq "$size" ] && [ "$size" -eq 100000 ] ||
  fail "attachment file '$file' of $size bytes"
check
[ "$(q "SELECT count(*) FROM attachments WHERE name = 'empty.txt' AND size = 0")" = 1 ] || fail "empty attachment"

# expect_refused <what> <stderr wanted> <backup> [phrase file]
expect_refused() {
    check
    rm -rf "$tmp/bad"
    "$hush" backup-decrypt --phrase - "$3" "$tmp/bad" <"${4:-$tmp/phrase}" >/dev/null 2>"$tmp/err"
    rc=$?
    if [ $rc != 1 ] || [ "$(cat "$tmp/err")" != "$2" ] || ls -d "$tmp"/bad* >/dev/null 2>&1; then
        fail "$1: exit $rc, stderr '$(cat "$tmp/err")' (want '$2'), left: $(ls -d "$tmp"/bad* 2>/dev/null)"
    fi
}
echo "abbey abbey abbey abbey abbey abbey abbey abbey abbey abbey abbey abbey abbey" >"$tmp/wrong"
expect_refused "wrong phrase" "hush: this backup was not made with this recovery phrase" "$tmp/sample.hush" "$tmp/wrong"
head -c 100000 "$tmp/sample.hush" >"$tmp/cut.hush"
expect_refused "cut" "hush: the backup ends before its last chunk: it is truncated" "$tmp/cut.hush"
cp "$tmp/sample.hush" "$tmp/flipped.hush"
printf 'X' | dd of="$tmp/flipped.hush" bs=1 seek=70000 conv=notrunc 2>/dev/null
expect_refused "flipped" "hush: the backup is damaged: a chunk is altered, missing or out of order" "$tmp/flipped.hush"
check
mkdir "$tmp/exists"
"$hush" backup-decrypt --phrase - "$tmp/sample.hush" "$tmp/exists" <"$tmp/phrase" >/dev/null 2>&1 &&
  fail "an existing folder was written into"

echo "$checks checks, $failures failed"
[ $failures = 0 ]
