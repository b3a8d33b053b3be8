#!/bin/sh
# hush phrase / hush id from the command line: good input prints the words or
# the Session ID and exits 0; bad input exits 1 with the core's message on
# stderr; bad usage exits 2. Usage: test_cli.sh <path to hush>
hush=${1:?usage: test_cli.sh <path to hush>}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
failures=0 checks=0

# expect <exit code> <stdout> <stderr> -- hush args...
expect() {
    want_rc=$1 want_out=$2 want_err=$3
    shift 4
    checks=$((checks + 1))
    "$hush" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    out=$(cat "$tmp/out") err=$(cat "$tmp/err")
    if [ "$rc" != "$want_rc" ] || [ "$out" != "$want_out" ] ||
       { [ "$want_err" != "*" ] && [ "$err" != "$want_err" ]; }; then
        failures=$((failures + 1))
        echo "FAIL: hush $*" >&2
        echo "  exit $rc (want $want_rc), stdout \"$out\" (want \"$want_out\")" >&2
        echo "  stderr \"$err\" (want \"$want_err\")" >&2
    fi
}

seed=0123456789abcdef0123456789abcdef
phrase="vexed enjoy pigment films adept voted vexed enjoy pigment films adept voted adept"
id=05d2ad010eeb72d72e561d9de7bd7b6989af77dcabffa03a5111a6c859ae5c3a72
abbey="abbey abbey abbey abbey abbey abbey abbey abbey abbey abbey abbey abbey abbey"

expect 0 "$phrase" "" -- phrase "$seed"
expect 0 "$phrase" "" -- phrase 0123456789ABCDEF0123456789ABCDEF
expect 0 "$abbey" "" -- phrase 00000000000000000000000000000000
expect 0 "$id" "" -- id "$phrase"
# shellcheck disable=SC2086 # 13 separate arguments on purpose
expect 0 "$id" "" -- id $phrase
expect 0 "$id" "" -- id "$seed"
# From standard input, so the phrase stays out of shell history and ps.
checks=$((checks + 1))
out=$(printf '%s\n' "$phrase" | "$hush" id -) && [ "$out" = "$id" ] || {
    failures=$((failures + 1)); echo "FAIL: hush id - (stdin): $out" >&2; }
expect 0 "$id" "" -- id "  VEXED enjoy	pigment films adept voted vexed enjoy pigment films adept voted adept
"

expect 1 "" "a hex seed has 32 digits; this one has 4" -- phrase 0123
expect 1 "" 'unknown word at position 1' -- phrase xyz
# shellcheck disable=SC2086
expect 1 "" 'unknown word at position 5' -- id vexed enjoy pigment films zzz voted vexed enjoy pigment films adept voted adept
expect 1 "" "a recovery phrase has 13 words; this one has 12" -- id "vexed enjoy pigment films adept voted vexed enjoy pigment films adept voted"
expect 1 "" "the last (checksum) word does not match the other 12: a word is mistyped, missing or out of order" \
    -- id "vexed enjoy pigment films adept voted vexed enjoy pigment films adept voted enjoy"

expect 2 "" "*" --
expect 2 "" "*" -- phrase
expect 2 "" "*" -- phrase "$seed" extra
expect 2 "" "*" -- id
expect 2 "" "*" -- frobnicate
expect 0 "ok" "" -- selftest

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
