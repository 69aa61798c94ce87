#!/bin/bash
# The WARC files rotwatch writes ([warc] capture = all) replay in a real
# replay engine: ReplayWeb.page 2.5.3 (wabac.js, as a service worker) in
# headless Chromium, driven by playwright-core through replay.mjs.
#
# Two checks of /ok (a fixed page) and /change (a new body on every request)
# give two WARC files: the second /ok capture is a revisit record of the
# first.  The fake web server is then stopped, the files are concatenated
# and served from a throwaway loopback server, and the archived pages'
# text, read from the innermost replay frame, must be:
#   /ok                    the text the live server served (through a revisit)
#   /change                the body rotwatch captured the second time
#   /change at the first capture's time   the first captured body
#   a URL never captured   wabac's "not found in this archive" page, without
#                          the /ok text (the negative control)
# The browser may only reach the replay server: any other request (another
# host, or the stopped site's port) is aborted and counted, and must not
# happen; names other than 127.0.0.1 do not resolve in it at all.
. "$(dirname "$0")/lib.sh"

NODE=${NODE:-/usr/bin/node}
for need in "$NODE" /usr/bin/chromium; do
	if [ ! -x "$need" ]; then
		echo "FATAL: $need is needed (Debian packages nodejs, chromium)"
		exit 1
	fi
done
for need in replaywebpage/sw.js replaywebpage/ui.js playwright-core/package.json; do
	if [ ! -e "$ROOT/tests/node_modules/$need" ]; then
		echo "FATAL: tests/node_modules/$need is missing (make node-deps)"
		exit 1
	fi
done

setup
start_web main
B="http://127.0.0.1:$WEB_PORT"
printf '\n[archive]\nenabled = no\n\n[warc]\ncapture = all\n' >>"$CONF"
rw add "$B/ok" "$B/change" "$B/chain" >/dev/null 2>&1
check_pass pass1
sleep 1.1 # the second capture one second (one 14-digit timestamp) later
check_pass pass2
assert_eq "captures: two responses of /change; of /ok and of /chain (which ends at /ok), a response and a revisit" \
	"/change:response /change:response /ok:response /ok:response /ok:revisit /ok:revisit" \
	"$(q "SELECT group_concat(k, ' ') FROM (SELECT substr(uri, length('$B') + 1)
	      || ':' || kind AS k FROM captures ORDER BY uri, check_id)")"

# the visible text of an HTML document, whitespace collapsed
HTML_TEXT='
import html.parser, re, sys
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.out = []; self.skip = 0
    def handle_starttag(self, t, a):
        if t in ("head", "script", "style", "title"): self.skip += 1
    def handle_endtag(self, t):
        if t in ("head", "script", "style", "title"): self.skip -= 1
    def handle_data(self, d):
        if not self.skip: self.out.append(d)
def text(b):
    p = P(); p.feed(b.decode("utf-8", "replace")); p.close()
    return re.sub(r"\s+", " ", " ".join(p.out)).strip()
'

# what the live site serves at /ok, read from it now
OK_TEXT=$("$PY" -c "$HTML_TEXT
import urllib.request
o = urllib.request.build_opener(urllib.request.ProxyHandler({}))
print(text(o.open(sys.argv[1], timeout=5).read()))" "$B/ok")
assert_match "the live /ok page has some text to look for" '[A-Za-z]{4}' "$OK_TEXT"

# what rotwatch captured of /change, read from its WARC records through the
# captures table: "TIMESTAMP<TAB>TEXT" per capture, oldest first
CHANGES=$("$PY" -c "$HTML_TEXT
import sqlite3, zlib
db, wdir, uri = sys.argv[1:4]
for f, off, ln in sqlite3.connect(db).execute(
        \"SELECT file, offset, length FROM captures WHERE uri = ? AND kind = 'response' \"
        \"ORDER BY check_id\", (uri,)):
    rec = zlib.decompress(open(wdir + '/' + f, 'rb').read()[off:off + ln], 31)
    head, _, block = rec.partition(b'\r\n\r\n')
    date = [l.split(b': ', 1)[1] for l in head.split(b'\r\n') if l.startswith(b'WARC-Date: ')][0]
    ts = re.sub(rb'[^0-9]', b'', date)[:14].decode()
    print(ts + '\t' + text(block.partition(b'\r\n\r\n')[2]))" "$DB" "$T/warc" "$B/change")
TS1=$(sed -n 1p <<<"$CHANGES" | cut -f1)
CHANGE1=$(sed -n 1p <<<"$CHANGES" | cut -f2)
CHANGE2=$(sed -n 2p <<<"$CHANGES" | cut -f2)
assert_match "the first /change capture: its body and a 14-digit time" \
	'^[0-9]{14}	version [0-9]+ at [0-9]+$' "$(sed -n 1p <<<"$CHANGES")"
assert_match "the second /change capture: its body and a 14-digit time" \
	'^[0-9]{14}	version [0-9]+ at [0-9]+$' "$(sed -n 2p <<<"$CHANGES")"
assert_ne "... a different body from the first" "$CHANGE1" "$CHANGE2"
# and what the live site would serve at /change now: neither of them
LIVE_CHANGE=$(fetch "$B/change" | "$PY" -c "$HTML_TEXT
print(text(sys.stdin.buffer.read()))")
assert_match "the live /change now: yet another body" '^version [0-9]+ at [0-9]+$' "$LIVE_CHANGE"

# the site goes away before the replay: nothing can come from it
kill "$WEB_PID" 2>/dev/null
wait "$WEB_PID" 2>/dev/null
curl -s --max-time 3 --noproxy '*' -o /dev/null "$B/ok"
assert_ne "the fake web server is down before the replay (curl fails)" 0 $?

nf=$(ls "$T/warc" | grep -c '\.warc\.gz$')
assert_eq "two WARC files, one per check" 2 "$nf"
cat "$T"/warc/*.warc.gz >"$T/x.warc.gz" # gzip members: concatenated, one WARC

NEVER="$B/never-captured"
start=$(now_ms)
(cd "$ROOT/tests" && timeout -k 5 150 "$NODE" integration/replay.mjs --json --timeout 60 \
	--warc "$T/x.warc.gz" --url "$B/ok" --url "$B/change" \
	--ts "$TS1" --url "$B/change" --url "$NEVER" --lands "$B/ok" --url "$B/chain") >"$T/replay.json" 2>"$T/replay.err"
rc=$?
secs=$(((($(now_ms) - start) + 500) / 1000))
assert_rc "replay.mjs: five pages replayed in Chromium (${secs}s)" 0 "$rc"
if [ "$rc" -ne 0 ] || [ "${VERBOSE:-0}" = 1 ]; then
	sed 's/^/  replay: /' "$T/replay.err" | tail -40
fi

# field N KEY: KEY of the N-th JSON line of replay.mjs's output
field() {
	"$PY" -c 'import json, sys
lines = open(sys.argv[1]).read().splitlines()
n, k = int(sys.argv[2]), sys.argv[3]
v = json.loads(lines[n - 1]).get(k, "") if len(lines) >= n else ""
print(v if isinstance(v, (str, int)) else json.dumps(v))' "$T/replay.json" "$1" "$2"
}

assert_contains "/ok replays with the text the live site served" "$OK_TEXT" "$(field 1 text)"
assert_match "... in the archived-page frame of the replay" \
	"^http://127\\.0\\.0\\.1:[0-9]+/replay/w/[^/]+/[0-9]*mp_/${B//./\\.}/ok\$" "$(field 1 frame)"
assert_eq "/change replays the latest capture's body" "$CHANGE2" "$(field 2 text)"
assert_eq "/change at the first capture's time replays the first body" "$CHANGE1" "$(field 3 text)"
assert_ne "... not what the live site served last ($LIVE_CHANGE)" "$LIVE_CHANGE" "$(field 3 text)"
never=$(field 4 text)
assert_contains "negative control: a URL never captured replays as not in the archive" \
	"not found in this archive" "$never"
if printf '%s' "$never" | grep -Fq -- "$OK_TEXT"; then
	fail "negative control: ... without the /ok text: got [$never]"
else
	pass "negative control: ... without the /ok text"
fi
# /chain answered 302, 301, 301, then /ok: every hop has its records, so
# the replay follows the redirects as the browser did
assert_contains "/chain replays through its three redirects to the /ok text" "$OK_TEXT" "$(field 5 text)"
assert_match "... in the frame of /ok, where the redirects led" "mp_/${B//./\\.}/ok\$" "$(field 5 frame)"
assert_ge "the browser made requests, all through the filter" 1 "$(field 6 requests)"
assert_eq "no request went anywhere but the replay server (blocked: $(field 6 blocked_urls))" \
	0 "$(field 6 blocked)"
finish
