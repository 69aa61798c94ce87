#!/bin/bash
# `rotwatch report` in every format, read back by real parsers: the link to
# cite is the source's own URL when alive, its new address when moved, its
# archived copy when dead; Robust Links anchors carry data-versionurl and
# data-versiondate; the endnotes come back in note order with each URL's
# archived copy; markup and quotes in citations or URLs are escaped, never
# interpreted; -o replaces the file whole.
. "$(dirname "$0")/lib.sh"
setup
start_web main
B="http://127.0.0.1:$WEB_PORT"
cat >>"$CONF" <<EOF2

[verdict]
confirm_checks = 1
confirm_span = 0s

[archive]
enabled = no
EOF2

cat >"$T/notes.txt" <<EOF2
Endnotes

2 Ministry of the Interior, "Biometric data sharing" <script>alert(1)</script> ]]> & more, $B/notfound
1 A page that still answers: $B/ok?n=1
3 Moved: $B/redirect and again $B/ok?n=1
EOF2
rw import "$T/notes.txt" >"$T/import.log" 2>&1
assert_rc "import the notes" 0 $?
rw check --all >/dev/null 2>&1
assert_rc "one pass" 0 $?
assert_eq "states after one pass (confirm_checks = 1)" "alive dead moved" \
	"$(q "SELECT group_concat(state, ' ') FROM (SELECT state FROM sources ORDER BY state)")"
# The archive's capture of the dead page, as the archiver records it.
SNAP="https://web.archive.org/web/20261101120000/$B/notfound"
q "INSERT INTO snapshots (source_id, url, timestamp, original_url, origin, found_at)
   SELECT id, '$SNAP', '20261101120000', url, 'spn', 1 FROM sources WHERE url = '$B/notfound'"

# --- csv -----------------------------------------------------------------
rw report >"$T/r.csv" 2>"$T/err"
assert_rc "report (csv)" 0 $?
res=$("$PY" - "$T/r.csv" "$B" "$SNAP" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
b, snap = sys.argv[2], sys.argv[3]
by = {r["url"]: r for r in rows}
want = {b + "/ok?n=1": ("alive", b + "/ok?n=1"),
        b + "/notfound": ("dead", snap),
        b + "/redirect": ("moved", b + "/ok")}
bad = [u for u, (s, c) in want.items()
       if u not in by or (by[u]["state"], by[u]["cite"]) != (s, c)]
if len(rows) != 3: bad.append("%d rows" % len(rows))
if by.get(b + "/notfound", {}).get("snapshot_time") != "20261101120000": bad.append("snapshot_time")
if not by.get(b + "/notfound", {}).get("confirmed_at"): bad.append("confirmed_at empty")
print("fine" if not bad else "; ".join(bad))
PY
)
assert_eq "csv: one row per source, state and the link to cite" fine "$res"

# --- json ----------------------------------------------------------------
rw report --format json >"$T/r.json" 2>"$T/err"
assert_rc "report --format json" 0 $?
assert_eq "json: the dead source cites its archived copy" "$SNAP True" \
	"$("$PY" -c 'import json,sys; d=[r for r in json.load(open(sys.argv[1])) if r["state"]=="dead"][0]; print(d["cite"], d["cite_is_archived"])' "$T/r.json" 2>&1)"

# --- robust links --------------------------------------------------------
rw report --format robustlinks >"$T/r.html" 2>"$T/err"
assert_rc "report --format robustlinks" 0 $?
res=$("$PY" - "$T/r.html" "$B" "$SNAP" <<'PY'
import sys
from html.parser import HTMLParser
class P(HTMLParser):
    def __init__(s):
        super().__init__(); s.a = []; s.tags = set()
    def handle_starttag(s, t, attrs):
        s.tags.add(t)
        if t == "a": s.a.append(dict(attrs))
p = P(); p.feed(open(sys.argv[1]).read())
b, snap = sys.argv[2], sys.argv[3]
bad = []
if len(p.a) != 3: bad.append("%d anchors" % len(p.a))
dead = [a for a in p.a if a.get("data-originalurl") == b + "/notfound"]
if not dead or dead[0].get("data-versionurl") != snap or \
        dead[0].get("data-versiondate") != "2026-11-01" or dead[0].get("href") != snap:
    bad.append("dead anchor %r" % dead)
ok = [a for a in p.a if a.get("data-originalurl") == b + "/ok?n=1"]
if not ok or "data-versionurl" in ok[0] or ok[0].get("href") != b + "/ok?n=1":
    bad.append("alive anchor %r" % ok)
if "script" in p.tags: bad.append("a script element")
print("fine" if not bad else "; ".join(bad))
PY
)
assert_eq "robustlinks: anchors with data-originalurl/versionurl/versiondate" fine "$res"

# --- endnotes ------------------------------------------------------------
rw report --format endnotes -o "$T/notes.out" 2>"$T/err"
assert_rc "report --format endnotes -o FILE" 0 $?
assert_eq "-o leaves no temporary file" "" "$(ls "$T" | grep -F 'notes.out.tmp')"
assert_eq "endnotes: in note order" "1 2 3" \
	"$(grep -oE '^[0-9]+\.' "$T/notes.out" | tr -d . | xargs)"
assert_contains "endnotes: the citation comes back verbatim (markup and all)" \
	'<script>alert(1)</script> ]]> & more' "$(cat "$T/notes.out")"
assert_contains "endnotes: the dead URL is followed by its archived copy" \
	"$B/notfound (archived 2026-11-01: $SNAP) [dead]" "$(cat "$T/notes.out")"
assert_contains "endnotes: the moved URL by its new address" \
	"$B/redirect (now at $B/ok) [moved]" "$(cat "$T/notes.out")"
assert_eq "endnotes: a URL cited in two notes appears under both" 2 \
	"$(grep -c "^    $B/ok?n=1\$" "$T/notes.out")"

# --- bad input -----------------------------------------------------------
err=$(rw report --format pdf 2>&1 >/dev/null)
assert_rc "report --format pdf" 2 $?
assert_contains "report: the unknown format is named" "unknown format 'pdf'" "$err"
err=$(rw report -o "$T/no/such/dir/r.csv" 2>&1 >/dev/null)
assert_rc "report -o into a missing folder" 1 $?
assert_contains "report -o: the file is named" "$T/no/such/dir/r.csv" "$err"
finish
