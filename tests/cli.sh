#!/bin/sh
# cli.sh — end-to-end tests of the firebreak command: exit codes, messages,
# the demo's transitions, and valgrind on the error paths.
# usage: sh tests/cli.sh build/firebreak
set -u
fb=${1:?usage: cli.sh path/to/firebreak}
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# expect CODE DESCRIPTION -- COMMAND...: run it, compare the exit code.
expect() {
    code=$1 what=$2
    shift 3
    "$@" >"$tmp/out" 2>"$tmp/err"
    got=$?
    if [ "$got" -ne "$code" ]; then
        echo "FAIL: $what: exit $got, expected $code"
        sed 's/^/  | /' "$tmp/err" | head -5
        fails=$((fails + 1))
    fi
}

# contains FILE TEXT DESCRIPTION
contains() {
    if ! grep -qF -- "$2" "$tmp/$1"; then
        echo "FAIL: $3: $1 lacks '$2'"
        fails=$((fails + 1))
    fi
}

version=$(sed -n 's/^#define FB_VERSION "\(.*\)"/\1/p' breaker/breaker.h)
expect 0 "--version" -- "$fb" --version
contains out "firebreak $version (libfirebreak $version)" "--version names both versions"
expect 0 "--help" -- "$fb" --help
contains out "usage: firebreak" "--help shows usage"
contains out "demo" "--help lists the demo"
expect 2 "no arguments" -- "$fb"
contains err "usage: firebreak" "no arguments prints usage on stderr"
expect 2 "unknown command" -- "$fb" frobnicate
contains err "firebreak: unknown command 'frobnicate'" "unknown command message"
expect 2 "unknown option" -- "$fb" --frobnicate
contains err "firebreak: unknown option '--frobnicate'" "unknown option message"
expect 0 "demo --help" -- "$fb" demo --help
contains out "usage: firebreak demo" "demo --help"
expect 2 "demo with a stray argument" -- "$fb" demo extra
contains err "firebreak: demo: unexpected argument 'extra'" "demo stray argument message"
expect 2 "demo with an unknown option" -- "$fb" demo --bogus

# The demo's story: trip at 50 %, two failed trials with the wait doubling
# (2 s, 4 s, 8 s), then recovery once the outage is over.
expect 0 "demo" -- "$fb" demo
contains out "8.42 s  CLOSED    -> OPEN       failure_rate        20 calls,  10 failed ( 50.0 %); open until 10.42 s" "demo trips"
contains out "10.67 s  HALF_OPEN -> OPEN       trials_failed        5 calls,   5 failed (100.0 %); open until 14.67 s" "demo re-opens for 4 s"
contains out "14.92 s  HALF_OPEN -> OPEN       trials_failed        5 calls,   5 failed (100.0 %); open until 22.92 s" "demo re-opens for 8 s"
contains out "23.17 s  HALF_OPEN -> CLOSED     trials_passed        5 calls,   0 failed (  0.0 %)" "demo closes"
contains out "final state CLOSED" "demo ends closed"
[ "$(grep -c ' -> ' "$tmp/out")" -eq 7 ] || { echo "FAIL: demo prints 7 transitions"; fails=$((fails + 1)); }
"$fb" demo >"$tmp/out2" 2>&1
cmp -s "$tmp/out" "$tmp/out2" || { echo "FAIL: demo output differs between runs"; fails=$((fails + 1)); }

# valgrind: error paths and the demo free everything and touch nothing invalid.
if command -v valgrind >/dev/null 2>&1; then
    for args in "frobnicate" "--frobnicate" "" "demo extra" "demo --bogus" "demo"; do
        # shellcheck disable=SC2086
        valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=all \
            "$fb" $args >/dev/null 2>"$tmp/vg"
        if [ $? -eq 99 ]; then
            echo "FAIL: valgrind reports errors for 'firebreak $args'"
            sed 's/^/  | /' "$tmp/vg" | head -20
            fails=$((fails + 1))
        fi
    done
else
    echo "FAIL: valgrind is not installed (scripts/deps installs it)"
    fails=$((fails + 1))
fi

if [ "$fails" -ne 0 ]; then
    echo "cli.sh: $fails failure(s)"
    exit 1
fi
echo "cli.sh: all command-line tests passed"
