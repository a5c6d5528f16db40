#!/bin/sh
# cli.sh — end-to-end tests of the firebreak command: exit codes, messages,
# the demo's transitions, validate and run (outputs whole, byte-identical for
# one seed), and valgrind on the error paths.
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

# validate: every shipped scenario is valid; a bad one gets file:line:col.
expect 0 "validate --help" -- "$fb" validate --help
contains out "usage: firebreak validate" "validate --help"
expect 0 "validate the shipped scenarios" -- "$fb" validate scenarios/*.json
contains out "scenarios/checkout.json: ok (" "validate says ok"
expect 2 "validate with no file" -- "$fb" validate
contains err "which scenarios?" "validate without a file says so"
expect 2 "validate a bad and a good file" -- "$fb" validate tests/scenarios/bad/bad_literal.json scenarios/minimal.json
contains err "$(cat tests/scenarios/bad/bad_literal.err)" "validate prints the position"
contains out "scenarios/minimal.json: ok" "validate goes on after a bad file"
expect 2 "validate a missing file" -- "$fb" validate "$tmp/missing.json"
contains err "$tmp/missing.json" "a missing file is named"

# run: usage errors, bad scenarios, unwritable outputs.
expect 0 "run --help" -- "$fb" run --help
contains out "usage: firebreak run SCENARIO" "run --help"
expect 2 "run with no scenario" -- "$fb" run
contains err "which scenario?" "run without a scenario says so"
expect 2 "run two scenarios" -- "$fb" run scenarios/minimal.json scenarios/minimal.json
expect 2 "run --seed abc" -- "$fb" run --seed abc scenarios/minimal.json
contains err "--seed wants a whole number >= 0, not 'abc'" "bad seed message"
expect 2 "run --seed -1" -- "$fb" run --seed -1 scenarios/minimal.json
expect 2 "run --duration 0" -- "$fb" run --duration 0 scenarios/minimal.json
contains err "--duration wants a positive duration" "bad duration message"
expect 2 "run --duration 5parsecs" -- "$fb" run --duration 5parsecs scenarios/minimal.json
expect 2 "run --bogus" -- "$fb" run --bogus scenarios/minimal.json
expect 2 "run --counterfactual maybe" -- "$fb" run --counterfactual maybe scenarios/minimal.json
contains err "--counterfactual is 'no-breakers' or 'no-policies', not 'maybe'" "bad counterfactual message"
expect 2 "run --log-level loud" -- "$fb" run --log-level loud scenarios/minimal.json
contains err "--log-level is 'events' or 'calls', not 'loud'" "bad log level message"
expect 2 "run a bad scenario" -- "$fb" run tests/scenarios/bad/bad_literal.json --out "$tmp/bad"
contains err "$(cat tests/scenarios/bad/bad_literal.err)" "run prints the position"
[ ! -e "$tmp/bad" ] || { echo "FAIL: a bad scenario left an output directory"; fails=$((fails + 1)); }
expect 2 "run into an unwritable directory" -- "$fb" run -q scenarios/minimal.json --out /dev/null/x
contains err "cannot write the outputs: /dev/null/x: Not a directory" "unwritable --out message"

# run: the outputs, whole and the same for the same seed.
expect 0 "run minimal" -- "$fb" run scenarios/minimal.json --out "$tmp/a"
contains out "report: $tmp/a/report.json" "run says where the report is"
contains out "client->" "run prints the edge table"
for f in report.json series.csv events.jsonl; do
    [ -s "$tmp/a/$f" ] || { echo "FAIL: run wrote no $f"; fails=$((fails + 1)); }
done
[ -z "$(find "$tmp/a" -name '.*')" ] || { echo "FAIL: temporary files left in the output"; fails=$((fails + 1)); }
head -1 "$tmp/a/series.csv" >"$tmp/head"
contains head "tick,service,edge,metric,value" "series.csv header"
contains a/report.json '"schema_version": 1' "report.json has its schema version"
contains a/events.jsonl '"event":"fault_start"' "events.jsonl logs the fault"
contains a/events.jsonl '"to":"OPEN"' "events.jsonl logs the breaker opening"
contains a/report.json '"mode": "no-breakers"' "the counterfactual is on by default"
contains a/report.json '"time_to_recover_s"' "report.json has the analysis"
contains out "without breakers: availability" "run compares with the counterfactual"
expect 0 "run minimal, no counterfactual" -- "$fb" run -q scenarios/minimal.json --no-counterfactual --out "$tmp/n"
grep -q '"counterfactual"' "$tmp/n/report.json" && { echo "FAIL: --no-counterfactual still wrote one"; fails=$((fails + 1)); }
expect 0 "run minimal, no policies" -- "$fb" run -q scenarios/minimal.json --counterfactual no-policies --out "$tmp/p"
contains p/report.json '"mode": "no-policies"' "--counterfactual no-policies"
expect 0 "run minimal again" -- "$fb" run -q scenarios/minimal.json --out "$tmp/b"
expect 0 "run minimal, another seed" -- "$fb" run -q scenarios/minimal.json --seed 99 --out "$tmp/c"
for f in report.json series.csv events.jsonl; do
    cmp -s "$tmp/a/$f" "$tmp/b/$f" || { echo "FAIL: $f differs between two runs of one seed"; fails=$((fails + 1)); }
done
cmp -s "$tmp/a/series.csv" "$tmp/c/series.csv" && { echo "FAIL: another seed gives the same series"; fails=$((fails + 1)); }
expect 0 "run checkout twice" -- "$fb" run -q scenarios/checkout.json --out "$tmp/k1"
expect 0 "run checkout twice" -- "$fb" run -q scenarios/checkout.json --out "$tmp/k2"
for f in report.json series.csv events.jsonl; do
    cmp -s "$tmp/k1/$f" "$tmp/k2/$f" || { echo "FAIL: checkout $f differs between runs"; fails=$((fails + 1)); }
done
contains k1/events.jsonl '{"t":41.0,"event":"slo_breach","service":"gateway"' "events.jsonl logs SLO breaches"
python3 -c "import json,sys; t=[json.loads(l)['t'] for l in open(sys.argv[1])]; assert t == sorted(t)" "$tmp/k1/events.jsonl" \
    || { echo "FAIL: events.jsonl is not in time order"; fails=$((fails + 1)); }

# --json, NO_COLOR, and no progress bar without a terminal.
expect 0 "run --json" -- "$fb" run --json scenarios/minimal.json --out "$tmp/j"
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['report'].endswith('/report.json') and 'analysis' in d and 'counterfactual' in d" "$tmp/out" \
    || { echo "FAIL: run --json does not print the summary as JSON"; fails=$((fails + 1)); }
[ ! -s "$tmp/err" ] || { echo "FAIL: run wrote to stderr without a terminal"; sed 's/^/  | /' "$tmp/err"; fails=$((fails + 1)); }
expect 1 "check --json" -- "$fb" check --json --seeds 2 tests/scenarios/check/failing.json
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); r=d['scenarios'][0]['results'][0]; assert d['failed']==1 and r['pass'] is False and r['shown']==['0.659745','0.639766']" "$tmp/out" \
    || { echo "FAIL: check --json does not print the results as JSON"; fails=$((fails + 1)); }
if command -v script >/dev/null 2>&1; then
    script -q -c "$fb check --seeds 1 tests/scenarios/check/failing.json" /dev/null >"$tmp/tty" 2>&1
    grep -q "$(printf '\033')\[1;31mFAIL" "$tmp/tty" || { echo "FAIL: check does not colour FAIL on a terminal"; fails=$((fails + 1)); }
    NO_COLOR=1 script -q -c "$fb check --seeds 1 tests/scenarios/check/failing.json" /dev/null >"$tmp/tty" 2>&1
    grep -q "$(printf '\033')" "$tmp/tty" && { echo "FAIL: check colours despite NO_COLOR"; fails=$((fails + 1)); }
fi

# compare: two runs, or a run and a scenario.
expect 0 "compare --help" -- "$fb" compare --help
contains out "usage: firebreak compare A B" "compare --help"
expect 2 "compare one thing" -- "$fb" compare "$tmp/a"
expect 2 "compare a missing run" -- "$fb" compare "$tmp/a" "$tmp/nowhere"
expect 0 "compare two runs" -- "$fb" compare "$tmp/a" "$tmp/c"
contains out "  availability " "compare shows availability"
contains out "fault \"backend down\"" "compare shows each fault"
expect 0 "compare a run with a scenario" -- "$fb" compare "$tmp/a" scenarios/minimal.json
contains out "  false trips " "compare plays a scenario"

# check: expectations on several seeds, JUnit, baselines.
expect 0 "check --help" -- "$fb" check --help
contains out "usage: firebreak check SCENARIO" "check --help"
expect 2 "check with no scenario" -- "$fb" check
expect 2 "check --seeds 0" -- "$fb" check --seeds 0 scenarios/checkout.json
contains err "--seeds wants 1 to 1000, not '0'" "bad seeds message"
expect 2 "check --tolerance x" -- "$fb" check --tolerance x scenarios/checkout.json
expect 2 "check a bad scenario" -- "$fb" check tests/scenarios/bad/bad_literal.json --junit "$tmp/bad.xml"
contains err "$(cat tests/scenarios/bad/bad_literal.err)" "check prints the position"
contains bad.xml '<error message=' "a scenario that does not load is a JUnit error"
expect 0 "check checkout" -- "$fb" check scenarios/checkout.json --junit "$tmp/junit.xml" --out "$tmp/base"
contains out "PASS  time_to_recover for payment slow <= 15 s" "check prints each result"
contains out "1 scenario, 12 results: 0 failed" "check summary"
contains junit.xml '<testsuites name="firebreak check" tests="12" failures="0" errors="0">' "JUnit totals"
contains junit.xml 'name="blast_radius for fraud down &lt;= 1"' "JUnit escapes names"
expect 1 "check a failing scenario" -- "$fb" check tests/scenarios/check/failing.json --seeds 2 --junit "$tmp/fail.xml"
contains out "FAIL  availability >= 0.999" "check marks the failure"
contains fail.xml '<failure message="seed 1: measured 0.659745; seed 2: measured 0.639766, expected availability &gt;= 0.999"/>' "JUnit failure names seeds, values and the bound"
python3 -c "import sys, xml.etree.ElementTree as E; [E.parse(f) for f in sys.argv[1:]]" \
    "$tmp/junit.xml" "$tmp/fail.xml" "$tmp/bad.xml" || { echo "FAIL: JUnit XML is not well-formed"; fails=$((fails + 1)); }
expect 0 "check against its own baseline" -- "$fb" check scenarios/checkout.json --seeds 1 --baseline "$tmp/base"
contains out "PASS  availability" "baseline comparisons are printed"
# A baseline that was better: availability 0.99 and a 1 s recovery.
mkdir -p "$tmp/better/checkout"
sed -e '/"analysis"/,/"faults"/s/"availability": 0\.[0-9]*/"availability": 0.99/' \
    -e 's/"time_to_recover_s": [0-9.]*/"time_to_recover_s": 1.0/' \
    "$tmp/base/checkout/report.json" >"$tmp/better/checkout/report.json"
expect 1 "check against a better baseline" -- "$fb" check scenarios/checkout.json --seeds 1 --baseline "$tmp/better" --junit "$tmp/reg.xml"
contains out "FAIL  availability 0.966288, baseline 0.99 (tolerance 0.001)" "availability regression"
contains out "FAIL  time_to_recover for payment slow: 7 s, baseline 1 s" "recovery regression"
expect 2 "check against a missing baseline" -- "$fb" check scenarios/checkout.json --seeds 1 --baseline "$tmp/nowhere"

# valgrind: error paths and the demo free everything and touch nothing invalid.
if command -v valgrind >/dev/null 2>&1; then
    for args in "frobnicate" "--frobnicate" "" "demo extra" "demo --bogus" "demo" \
        "validate" "validate $tmp/missing.json" "validate tests/scenarios/bad/bad_literal.json" \
        "validate tests/scenarios/bad/duplicate_key.json scenarios/checkout.json" \
        "run" "run --seed x scenarios/minimal.json" "run $tmp/missing.json" \
        "run tests/scenarios/bad/cycle_indirect.json" "run -q scenarios/minimal.json --out /dev/null/x" \
        "check" "check --seeds 0 x" "check tests/scenarios/bad/bad_literal.json" \
        "check --seeds 1 scenarios/minimal.json --baseline $tmp/nowhere" \
        "check --seeds 1 scenarios/minimal.json --junit /dev/null/x" \
        "compare" "compare $tmp/a $tmp/nowhere" "compare tests/scenarios/bad/bad_literal.json $tmp/a" \
        "sweep" "sweep scenarios/minimal.json --param nope.x=1" \
        "sweep scenarios/minimal.json --param profiles.default.failure_rate=50:10:10" \
        "sweep scenarios/minimal.json --param profiles.default.failure_rate=120" \
        "merge" "merge $tmp/nowhere"; do
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
