#!/bin/sh
# sweep.sh — end-to-end tests of firebreak sweep and merge: grid errors (exit
# 2 with the message), the recommendation on a scenario whose answer is known,
# --jobs 1 and 2 byte-identical, shards run under GNU parallel and merged
# byte-identical to one unsharded run.
# usage: sh tests/sweep.sh build/firebreak
set -u
fb=${1:?usage: sweep.sh path/to/firebreak}
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sc=tests/scenarios/sweep/noisy.json

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# err2 MESSAGE ARGS...: the sweep exits 2 and stderr holds MESSAGE.
err2() {
    msg=$1
    shift
    "$fb" sweep "$sc" --seeds 1 --out "$tmp/bad" -q "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ "$rc" -eq 2 ] || fail "sweep $*: exit $rc, expected 2"
    grep -qF -- "$msg" "$tmp/err" || { fail "sweep $*: stderr lacks '$msg'"; sed 's/^/  | /' "$tmp/err"; }
    [ ! -e "$tmp/bad" ] || fail "sweep $*: wrote outputs despite the error"
}

err2 "no key 'nope' in profiles" --param profiles.nope.failure_rate=30
err2 'unknown key "failure_rat" (did you mean "failure_rate"?)' --param profiles.default.failure_rat=30
err2 'profiles.default.failure_rate="abc": expected a percentage or false' --param profiles.default.failure_rate=abc
err2 'profiles.default.failure_rate=120: must be in (0, 100], got 120' --param profiles.default.failure_rate=30,120
err2 "empty range '50:10:10' (lo > hi)" --param profiles.default.failure_rate=50:10:10
err2 "a range is lo:hi:step" --param profiles.default.failure_rate=10:50
err2 "empty value in '10,,50'" --param profiles.default.failure_rate=10,,50
err2 "profiles.default.failure_rate: no values" --param profiles.default.failure_rate=
err2 "no [3]" --param 'services.front.calls[3].timeout=1s'
err2 "more than 10000: narrow it or draw a random subset with --sample N" \
    --param profiles.default.failure_rate=1:100:1 --param profiles.default.min_calls=1:101:1
err2 "nothing to sweep"
err2 "--shard wants I/N" --param profiles.default.failure_rate=30 --shard 2/2
err2 "--shadow needs every --param inside one breaker profile (profiles.NAME.KEY): 'services.front.calls[0].timeout' is not" \
    --shadow --param profiles.default.failure_rate=30 --param 'services.front.calls[0].timeout=1s'
err2 "--shadow needs every --param inside one breaker profile: 'profiles.other.failure_rate' is in profile 'other', an earlier one in 'default'" \
    --shadow --param profiles.default.failure_rate=30 --param profiles.other.failure_rate=30
err2 "--shadow and --shard cannot be combined" --shadow --param profiles.default.failure_rate=30 --shard 0/2

# Durations, booleans and --sample are accepted; the sample is deterministic.
"$fb" sweep "$sc" --seeds 1 -q --out "$tmp/s1" --param profiles.default.failure_rate=10:90:0.5 \
    --param profiles.default.open_wait=1s,2s --param profiles.default.slow_call_rate=false,90 \
    --sample 4 --jobs 1 >/dev/null 2>"$tmp/err" || { fail "sweep --sample"; cat "$tmp/err"; }
"$fb" sweep "$sc" --seeds 1 -q --out "$tmp/s2" --param profiles.default.failure_rate=10:90:0.5 \
    --param profiles.default.open_wait=1s,2s --param profiles.default.slow_call_rate=false,90 \
    --sample 4 --jobs 2 >/dev/null 2>&1
[ "$(grep -c '"stats":' "$tmp/s1/sweep.json")" -eq 4 ] || fail "--sample 4 gives 4 points"
cmp -s "$tmp/s1/sweep.csv" "$tmp/s2/sweep.csv" || fail "--sample is deterministic"

# The recommendation: flaky fails 20 % of calls in normal operation, so
# thresholds of 10-20 % trip on noise and must not be picked; 50 % trips only
# in the outage.
grid="--param profiles.default.failure_rate=10:50:10 --param profiles.default.open_wait=1s,5s --seeds 3"
# shellcheck disable=SC2086
"$fb" sweep "$sc" $grid --jobs 1 --out "$tmp/j1" >"$tmp/rec" 2>"$tmp/err" || { fail "sweep --jobs 1"; cat "$tmp/err"; }
grep -qF 'recommended (point 8): profiles.default.failure_rate=50, profiles.default.open_wait=1s' "$tmp/rec" \
    || { fail "recommendation"; cat "$tmp/rec"; }
grep -qF 'resilience4j.circuitbreaker.instances.default.failureRateThreshold=50' "$tmp/rec" || fail "resilience4j lines"
grep -qF '"default": {"window":{"type":"count","size":50},"min_calls":50,"failure_rate":50,"open_wait":"1s"' "$tmp/rec" \
    || fail "profile snippet"
# Every point at 10 or 20 % has false trips on every seed.
awk -F, 'NR > 1 && ($2 == 10 || $2 == 20) && $11 == 0 { bad = 1 } END { exit bad }' "$tmp/j1/sweep.csv" \
    || fail "thresholds <= 20 % trip falsely"
[ "$(wc -l <"$tmp/j1/sweep.csv")" -eq 31 ] || fail "sweep.csv: 10 points x 3 seeds + header"
for f in sweep.json sweep.csv sweep.html plots/pareto.gp plots/pareto.dat plots/heatmap.gp plots/heatmap.dat; do
    [ -s "$tmp/j1/$f" ] || fail "sweep wrote $f"
done

# --jobs 2: the same bytes.
# shellcheck disable=SC2086
"$fb" sweep "$sc" $grid --jobs 2 -q --out "$tmp/j2" >/dev/null 2>&1 || fail "sweep --jobs 2"
diff -r "$tmp/j1" "$tmp/j2" >/dev/null || fail "--jobs 1 and --jobs 2 differ"

# --shadow: one run per seed without breakers, every setting's breakers in
# METRICS_ONLY, prunes the settings with false would-trips — at least 10 and
# 20 % (30 and 40 % trip on noise too: the full sweep above counts false trips
# for them as well) — and the full runs on the rest recommend the same point.
# shellcheck disable=SC2086
"$fb" sweep "$sc" $grid --shadow --jobs 1 --out "$tmp/sh1" >"$tmp/shrec" 2>"$tmp/err" \
    || { fail "sweep --shadow"; cat "$tmp/err"; }
grep -qF 'recommended (point 8): profiles.default.failure_rate=50, profiles.default.open_wait=1s' "$tmp/shrec" \
    || { fail "--shadow: the same recommendation"; cat "$tmp/shrec"; }
grep -q '^shadow pass: 10 settings x 3 seeds in 3 runs without breakers .*; pruned [0-9]* with false would-trips' "$tmp/shrec" \
    || { fail "--shadow: the summary names the pruned settings"; cat "$tmp/shrec"; }
# shadow.csv: point,rate,wait,seed,would_trips,false_would_trips,detect,undetected,pruned,...
awk -F, 'NR > 1 && ($2 == 10 || $2 == 20) && ($9 != 1 || $6 == 0) { bad = 1 }
         NR > 1 && $2 == 50 && ($9 != 0 || $6 != 0 || $7 == "") { bad = 1 }
         END { exit bad }' "$tmp/sh1/shadow.csv" || fail "--shadow prunes 10-20 %, keeps 50 %"
[ "$(wc -l <"$tmp/sh1/shadow.csv")" -eq 31 ] || fail "shadow.csv: every point x seed"
awk -F, 'NR > 1 && ($2 == 10 || $2 == 20) { bad = 1 } END { exit bad }' "$tmp/sh1/sweep.csv" \
    || fail "--shadow: pruned settings are not run"
grep -q '"all_had_false_would_trips_none_pruned": false' "$tmp/sh1/sweep.json" || fail "sweep.json: shadow summary"
grep -qF 'Shadow pass' "$tmp/sh1/sweep.html" || fail "sweep.html: shadow section"
# shellcheck disable=SC2086
"$fb" sweep "$sc" $grid --shadow --jobs 2 -q --out "$tmp/sh2" >/dev/null 2>&1 || fail "sweep --shadow --jobs 2"
diff -r "$tmp/sh1" "$tmp/sh2" >/dev/null || fail "--shadow: --jobs 1 and --jobs 2 differ"
# Every setting with false would-trips: none is pruned, all are run.
"$fb" sweep "$sc" --param profiles.default.failure_rate=10,20 --seeds 1 --shadow --jobs 1 \
    --out "$tmp/sh3" >"$tmp/shrec" 2>&1 || fail "sweep --shadow, all false"
grep -qF 'every setting had false would-trips: none pruned' "$tmp/shrec" || { fail "--shadow keeps all"; cat "$tmp/shrec"; }
[ "$(wc -l <"$tmp/sh3/sweep.csv")" -eq 3 ] || fail "--shadow keeps all: both run"

# Shards under GNU parallel (docs/distributed.md's recipe, on this host), then merge.
if command -v parallel >/dev/null 2>&1; then
    # shellcheck disable=SC2086
    parallel --will-cite -j 3 "$fb" sweep "$sc" $grid --jobs 1 -q --shard {}/3 --out "$tmp/shards" \
        ::: 0 1 2 >/dev/null 2>"$tmp/err" || { fail "shards under parallel"; cat "$tmp/err"; }
    [ "$(ls "$tmp/shards" | wc -l)" -eq 3 ] || fail "three partial results"
    "$fb" merge "$tmp/shards" --out "$tmp/merged" -q >/dev/null 2>"$tmp/err" || { fail "merge"; cat "$tmp/err"; }
    diff -r "$tmp/j1" "$tmp/merged" >/dev/null || fail "merged shards differ from one sweep"
    # A missing shard is an error.
    mkdir "$tmp/two" && cp "$tmp/shards/part-0-of-3.json" "$tmp/shards/part-2-of-3.json" "$tmp/two/"
    "$fb" merge "$tmp/two" --out "$tmp/m2" >/dev/null 2>"$tmp/err"
    [ $? -eq 2 ] && grep -qF "runs missing" "$tmp/err" || fail "merge with a shard missing exits 2"
else
    fail "GNU parallel not installed (scripts/deps installs it)"
fi

[ "$fails" -eq 0 ] && echo "sweep tests: all passed"
exit $((fails > 0))
