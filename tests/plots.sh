#!/bin/sh
# plots.sh — end-to-end tests of the plots and report.html: every plot's
# script, data, PNG and SVG are written and well-formed, report.html is
# well-formed, self-contained and carries the verdict, two runs give the same
# bytes, `firebreak plot` re-renders the same bytes (and a restyled script
# reaches the page), a run without gnuplot still writes the scripts and says
# so once, and valgrind finds nothing on `firebreak plot`'s error paths.
# usage: sh tests/plots.sh build/firebreak
set -u
fb=${1:?usage: plots.sh path/to/firebreak}
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
plots="availability breakers errors load"

fail() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}

# A run with gnuplot (and dot, when installed): everything is there.
if ! "$fb" run scenarios/minimal.json --out "$tmp/a" >"$tmp/out" 2>"$tmp/err"; then
    fail "run minimal exits $?"
    sed 's/^/  | /' "$tmp/err" | head -5
fi
grep -qF "open $tmp/a/report.html" "$tmp/out" || fail "run does not say where report.html is"
[ -s "$tmp/err" ] && fail "run with gnuplot printed on stderr: $(head -1 "$tmp/err")"
for p in $plots; do
    for ext in gp dat png svg; do
        [ -s "$tmp/a/plots/$p.$ext" ] || fail "no (or empty) plots/$p.$ext"
    done
    head -c 8 "$tmp/a/plots/$p.png" | od -An -tx1 | tr -d ' \n' | grep -q '^89504e470d0a1a0a$' ||
        fail "plots/$p.png lacks the PNG signature"
done
[ -s "$tmp/a/report.html" ] || fail "no report.html"
[ -s "$tmp/a/callgraph.dot" ] || fail "no callgraph.dot"
[ -z "$(find "$tmp/a" -name '.*')" ] || fail "temporary files left: $(find "$tmp/a" -name '.*')"

# Well-formed: each SVG as XML; report.html as XML (it is written so) and
# through the HTML parser with every non-void tag closed in order.
python3 - "$tmp/a" $plots <<'EOF' || fail "SVG or report.html is not well-formed"
import sys, xml.etree.ElementTree as ET
from html.parser import HTMLParser
d = sys.argv[1]
for p in sys.argv[2:]:
    ET.parse(f"{d}/plots/{p}.svg")
ET.parse(f"{d}/report.html")
VOID = {"meta", "br", "hr", "img", "input", "link", "col", "area", "base", "wbr", "source"}
class Balance(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []
    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.stack.append((tag, self.getpos()))
    def handle_startendtag(self, tag, attrs):
        pass
    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1][0] != tag:
            sys.exit(f"report.html: </{tag}> at {self.getpos()} closes {self.stack[-1:]}")
        self.stack.pop()
b = Balance()
b.feed(open(f"{d}/report.html", encoding="utf-8").read())
b.close()
if b.stack:
    sys.exit(f"report.html: unclosed {b.stack[-3:]}")
EOF

# report.html: the verdict of each fault, every plot inlined, nothing fetched.
grep -E '^  (not )?contained: ' "$tmp/out" | sed 's/^  //' >"$tmp/verdicts"
[ -s "$tmp/verdicts" ] || fail "run printed no verdict"
python3 - "$tmp/a/report.html" "$tmp/verdicts" <<'EOF' || fail "report.html lacks a verdict line"
import sys, html
page = open(sys.argv[1], encoding="utf-8").read()
for line in open(sys.argv[2], encoding="utf-8"):
    badge, _, rest = line.strip().partition(": ")
    if html.escape(badge) not in page or html.escape(rest) not in page:
        sys.exit(f"missing: {line.strip()}")
EOF
grep -qiE 'https?://' "$tmp/a/report.html" && fail "report.html refers to http(s):// $(grep -oiE 'https?://[^"]*' "$tmp/a/report.html" | head -1)"
grep -qiE '<(script|link|iframe|img)[ >]' "$tmp/a/report.html" && fail "report.html loads something"
for p in $plots; do
    grep -q "<!-- plot:$p -->" "$tmp/a/report.html" || fail "report.html lacks the plot $p"
done
[ "$(grep -c '<svg class="plot"' "$tmp/a/report.html")" -eq 4 ] || fail "report.html inlines 4 plots"
if command -v dot >/dev/null 2>&1; then
    grep -q '<svg class="graph"' "$tmp/a/report.html" || fail "report.html lacks the call graph"
fi

# Deterministic: a second run writes the same bytes, everywhere.
"$fb" run -q scenarios/minimal.json --out "$tmp/b" >/dev/null 2>&1 || fail "second run fails"
(cd "$tmp/a" && find . -type f | sort) >"$tmp/files"
while read -r f; do
    cmp -s "$tmp/a/$f" "$tmp/b/$f" || fail "$f differs between two runs"
done <"$tmp/files"

# firebreak plot: re-renders the same bytes; a restyled script reaches the page.
"$fb" plot "$tmp/b" >"$tmp/out" 2>"$tmp/err" || fail "plot exits $?: $(head -1 "$tmp/err")"
grep -qF "report.html updated" "$tmp/out" || fail "plot does not say report.html was updated"
for p in $plots; do
    for ext in png svg; do
        cmp -s "$tmp/a/plots/$p.$ext" "$tmp/b/plots/$p.$ext" || fail "plot re-renders $p.$ext differently"
    done
done
cmp -s "$tmp/a/report.html" "$tmp/b/report.html" || fail "plot changes an unchanged report.html"
sed -i "s/^c_run = '#0072B2'/c_run = '#123456'/" "$tmp/b/plots/availability.gp"
"$fb" plot -q "$tmp/b" >"$tmp/out" 2>&1 || fail "plot after a restyle exits $?"
[ -s "$tmp/out" ] && fail "plot -q printed: $(head -1 "$tmp/out")"
cmp -s "$tmp/a/plots/availability.svg" "$tmp/b/plots/availability.svg" && fail "a restyled script renders the same SVG"
grep -q 'rgb( 18,  52,  86)\|#123456' "$tmp/b/report.html" || fail "the restyled plot is not in report.html"
cmp -s "$tmp/a/plots/load.png" "$tmp/b/plots/load.png" || fail "restyling one plot changed another"

# firebreak plot: usage and bad directories exit 2 with a message.
"$fb" plot --help >"$tmp/out" 2>&1 || fail "plot --help exits $?"
grep -q "^usage: firebreak plot DIR" "$tmp/out" || fail "plot --help shows no usage"
grep -q "^example:" "$tmp/out" || fail "plot --help shows no example"
"$fb" --help | grep -q "^  plot " || fail "firebreak --help does not list plot"
"$fb" plot /nonexistent >"$tmp/out" 2>"$tmp/err"
[ $? -eq 2 ] || fail "plot /nonexistent does not exit 2"
grep -qF "firebreak: plot: /nonexistent is not the output of a run" "$tmp/err" || fail "plot /nonexistent message: $(cat "$tmp/err")"
"$fb" plot >/dev/null 2>&1
[ $? -eq 2 ] || fail "plot without a directory does not exit 2"
mkdir -p "$tmp/noplots" && cp "$tmp/a/report.json" "$tmp/noplots/"
"$fb" plot "$tmp/noplots" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] || fail "plot on a run without plots/ does not exit 2"
grep -qF "has no plots/" "$tmp/err" || fail "plot without plots/ does not say so: $(head -1 "$tmp/err")"

# Without gnuplot (dot kept when it is there): the run succeeds, says so once,
# and writes the scripts and data but no image.
mkdir -p "$tmp/bin"
command -v dot >/dev/null 2>&1 && ln -s "$(command -v dot)" "$tmp/bin/dot"
PATH="$tmp/bin" "$fb" run -q scenarios/minimal.json --out "$tmp/n" >"$tmp/out" 2>"$tmp/err" ||
    fail "run without gnuplot exits $?"
[ "$(cat "$tmp/out" "$tmp/err" | grep -c 'gnuplot not found: wrote the plot scripts and data; install gnuplot to render them')" -eq 1 ] ||
    fail "run without gnuplot does not print the notice exactly once"
for p in $plots; do
    [ -s "$tmp/n/plots/$p.gp" ] && [ -s "$tmp/n/plots/$p.dat" ] || fail "no $p.gp/.dat without gnuplot"
    [ -e "$tmp/n/plots/$p.png" ] && fail "a $p.png without gnuplot"
done
grep -q "firebreak plot DIR" "$tmp/n/report.html" || fail "report.html without gnuplot does not say how to render"
PATH="$tmp/bin" "$fb" plot "$tmp/n" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -qF "gnuplot not found" "$tmp/err" || fail "plot without gnuplot: exit 2 and a message"
# ... and once gnuplot is back, plot fills the page as the run would have.
"$fb" plot -q "$tmp/n" || fail "plot after installing gnuplot exits $?"
cmp -s "$tmp/a/report.html" "$tmp/n/report.html" || fail "plot does not complete a page written without gnuplot"

# valgrind: firebreak plot's error paths free everything.
if command -v valgrind >/dev/null 2>&1; then
    for args in "plot" "plot --bogus" "plot a b" "plot /nonexistent" "plot $tmp/noplots" "plot --help"; do
        # shellcheck disable=SC2086
        valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=all \
            "$fb" $args >/dev/null 2>"$tmp/vg"
        if [ $? -eq 99 ]; then
            fail "valgrind reports errors for 'firebreak $args'"
            sed 's/^/  | /' "$tmp/vg" | head -20
        fi
    done
else
    fail "valgrind is not installed (scripts/deps installs it)"
fi

if [ "$fails" -ne 0 ]; then
    echo "plots.sh: $fails failure(s)"
    exit 1
fi
echo "plots.sh: all plot and report.html tests passed"
