#!/bin/bash
# `report --format html` for 1,000 sources: one self-contained page under
# 2 MB, opened in headless Chromium (Debian's chromium): its DOM has the
# summary counts of the database, one row and one inline SVG timeline per
# source, no outside asset and no script element, even for a URL holding
# markup; a screenshot is kept in tests/tmp/.
. "$(dirname "$0")/lib.sh"
setup
command -v chromium >/dev/null || { echo "FATAL: chromium missing (make deps)"; exit 1; }
start_web main
B="http://127.0.0.1:$WEB_PORT"
cat >>"$CONF" <<EOF2

[verdict]
confirm_checks = 2
confirm_span = 0s

[archive]
enabled = no
EOF2
{
	for i in $(seq 1 900); do echo "$B/ok?n=$i"; done
	for i in $(seq 1 100); do echo "$B/notfound?n=$i"; done
} >"$T/urls.txt"
rw import "$T/urls.txt" >/dev/null 2>&1
assert_eq "1000 sources" 1000 "$(q 'SELECT count(*) FROM sources')"
for p in 1 2 3; do
	timeout -k 2 120 "${RW[@]}" -c "$CONF" check --all >/dev/null 2>&1
	assert_rc "pass $p" 0 $?
done
# A source whose stored URL holds markup (as an older import could have
# left it): the page must show it as text.
q "INSERT INTO sources (url, host, added_at, next_due, state)
   VALUES ('http://evil.example/\"><script>alert(1)</script>', 'evil.example', 1, 1, 'new')"
SNAP="https://web.archive.org/web/20261101120000/$B/notfound?n=1"
q "INSERT INTO snapshots (source_id, url, timestamp, original_url, origin, found_at)
   SELECT id, '$SNAP', '20261101120000', url, 'spn', 1 FROM sources WHERE url = '$B/notfound?n=1'"

rw report --format html -o "$T/report.html" 2>"$T/err"
assert_rc "report --format html" 0 $?
size=$(stat -c %s "$T/report.html")
assert_le "1001 sources in under 2 MB ($size bytes)" 2097152 "$size"
assert_eq "no outside asset (src= or stylesheet links)" 0 \
	"$(grep -cE '<(script|img|link|iframe)[ >]' "$T/report.html")"

mkdir -p "$ROOT/tests/tmp"
timeout 60 chromium --headless --disable-gpu --no-sandbox --dump-dom \
	"file://$T/report.html" >"$T/dom.html" 2>"$T/chromium.log"
assert_rc "chromium renders the page" 0 $?
timeout 60 chromium --headless --disable-gpu --no-sandbox --hide-scrollbars \
	--window-size=1280,900 --screenshot="$ROOT/tests/tmp/report-html.png" \
	"file://$T/report.html" >>"$T/chromium.log" 2>&1
assert_rc "chromium takes a screenshot" 0 $?
assert_ge "the screenshot is an image of some size" 10000 \
	"$(stat -c %s "$ROOT/tests/tmp/report-html.png" 2>/dev/null || echo 0)"

res=$("$PY" - "$T/dom.html" "$DB" "$SNAP" <<'PY'
import sqlite3, sys
from html.parser import HTMLParser
dom, db, snap = sys.argv[1:4]
class P(HTMLParser):
    def __init__(s):
        super().__init__(); s.rows = 0; s.svgs = 0; s.paths = 0; s.scripts = 0
        s.counts = {}; s.in_tbody = False; s.texts = []; s.links = []
    def handle_starttag(s, t, a):
        a = dict(a)
        if t == "tbody": s.in_tbody = True
        if t == "tr" and s.in_tbody: s.rows += 1
        if t == "svg": s.svgs += 1
        if t == "path": s.paths += 1
        if t == "script": s.scripts += 1
        if t == "a": s.links.append(a.get("href"))
        if t == "span" and "data-count" in a: s.counts[a["data-state"]] = int(a["data-count"])
    def handle_data(s, d): s.texts.append(d)
p = P(); p.feed(open(dom).read())
con = sqlite3.connect(db)
want = dict(con.execute("SELECT state, count(*) FROM sources GROUP BY state"))
bad = []
if p.rows != 1001: bad.append("%d rows" % p.rows)
if p.svgs != 1001: bad.append("%d svgs" % p.svgs)
if p.paths < 1000: bad.append("%d timeline paths" % p.paths)
if p.scripts: bad.append("%d script elements" % p.scripts)
if p.counts != want: bad.append("summary %r, database %r" % (p.counts, want))
if not any('"><script>alert(1)</script>' in t for t in p.texts): bad.append("markup URL not shown as text")
if snap not in p.links: bad.append("the dead source does not cite its snapshot")
print("fine" if not bad else "; ".join(bad))
PY
)
assert_eq "the rendered DOM: 1001 rows with timelines, summary = database, no script" fine "$res"
finish
