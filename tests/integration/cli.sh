#!/bin/bash
# The command line refuses bad input clearly and without touching stored
# data: unknown options (exit 2), bad configuration files (exit 78 with
# FILE:LINE), bad URLs given to `add`, bad lines in an import file (each
# rejected with its line number and reason, the good ones imported).  Import
# of a real endnote list finds its 19 URLs and their note numbers, and is
# idempotent.  No command here fetches anything.
. "$(dirname "$0")/lib.sh"
setup

dump() {
	sqlite3 -batch "$DB" .dump
}

# A database with some data in it.
rw add https://reports.example.org/b --tag keep --note "pre-existing" >"$T/out" 2>&1
assert_rc "add a source with a tag and a note" 0 $?
rw add https://other.example.net/x --tag other >"$T/out" 2>&1
assert_rc "add a second source" 0 $?
assert_eq "two sources stored" 2 "$(q 'SELECT count(*) FROM sources')"
assert_eq "new sources are in state new" "new" "$(q 'SELECT DISTINCT state FROM sources')"
assert_eq "the tag is stored" keep \
	"$(q "SELECT tag FROM source_tags JOIN sources ON id = source_id WHERE url = 'https://reports.example.org/b'")"
assert_eq "adding is not checking" 0 "$(q 'SELECT count(*) FROM checks')"

# --- usage errors: exit 2, naming the offending word ---------------------------
usage_case() {
	local desc=$1 word=$2
	shift 2
	local before after err rc
	before=$(dump)
	err=$("${RW[@]}" "$@" 2>&1 >/dev/null)
	rc=$?
	after=$(dump)
	assert_rc "$desc" 2 "$rc"
	assert_contains "$desc: the message names [$word]" "$word" "$err"
	assert_eq "$desc: database unchanged" "$before" "$after"
}
usage_case "unknown global option" --frobnicate -c "$CONF" --frobnicate list
usage_case "unknown option of list" --frobnicate -c "$CONF" list --frobnicate
usage_case "unknown option of add" --sideways -c "$CONF" add --sideways https://x.example.org/
usage_case "unknown command" frobnicate -c "$CONF" frobnicate
usage_case "bad --format value" yaml -c "$CONF" list --format yaml
err=$("${RW[@]}" -c "$CONF" add 2>&1 >/dev/null)
assert_rc "add without a URL" 2 $?
assert_ne "add without a URL: there is a message" "" "$err"

# --- configuration errors: exit 78, FILE:LINE, nothing changed ---------------
mkdir -p "$T/bad"
n=0
config_case() {
	# config_case DESC LINE-NUMBER-OF-THE-ERROR CONFIG-TEXT
	local desc=$1 line=$2 text=$3 f before after err rc
	n=$((n + 1))
	f="$T/bad/bad$n.conf"
	printf '%s\n' "$text" >"$f"
	before=$(dump)
	err=$("${RW[@]}" -c "$f" add https://config.example.org/x 2>&1 >/dev/null)
	rc=$?
	after=$(dump)
	assert_rc "$desc: add" 78 "$rc"
	assert_contains "$desc: message has FILE:LINE" "$f:$line" "$err"
	assert_eq "$desc: database unchanged" "$before" "$after"
	err=$("${RW[@]}" -c "$f" config-check 2>&1 >/dev/null)
	rc=$?
	assert_rc "$desc: config-check" 78 "$rc"
	assert_contains "$desc: config-check names FILE:LINE" "$f:$line" "$err"
}
head="[storage]
database = $DB

[check]
timeout = 8s"
config_case "unknown key" 6 "$head
colour = blue"
config_case "unknown section" 6 "$head
[nonsense]
x = 1"
config_case "bad duration" 6 "$head
connect_timeout = 10 parsecs"
config_case "bad size" 6 "$head
max_body = lots"
config_case "bad integer" 6 "$head
concurrency = many"
config_case "negative redirect limit" 6 "$head
max_redirects = -3"
config_case "bad log level" 7 "$head
[log]
level = chatty"
config_case "bad interval" 7 "$head
[schedule]
interval = soon"
config_case "line that is not key = value" 6 "$head
just some words"
config_case "key given twice" 6 "$head
timeout = 9s"
config_case "bad ignore regular expression" 7 "$head
[content]
ignore = (unclosed"
config_case "similarity over 100%" 7 "$head
[content]
minor_similarity = 150%"
config_case "zero confirmation checks" 7 "$head
[verdict]
confirm_checks = 0"

# a bad parked-domain signature file: its own FILE:LINE, the config refused
printf '# mine\nhost sedo.example\nbogus value\n' >"$T/bad/parked.txt"
f="$T/bad/parked.conf"
printf '%s\n' "$head" "[verdict]" "parked_file = $T/bad/parked.txt" >"$f"
before=$(dump)
err=$("${RW[@]}" -c "$f" add https://config.example.org/x 2>&1 >/dev/null)
assert_rc "bad parked_file line: add refused" 78 $?
assert_contains "bad parked_file line: names its FILE:LINE" "$T/bad/parked.txt:3" "$err"
assert_eq "bad parked_file line: database unchanged" "$before" "$(dump)"
printf '%s\n' "$head" "[verdict]" "parked_file = $T/bad/none.txt" >"$f"
err=$("${RW[@]}" -c "$f" config-check 2>&1 >/dev/null)
assert_rc "missing parked_file: config-check" 78 $?
assert_contains "missing parked_file: names the file" "$T/bad/none.txt" "$err"

# every error in a file is reported, each with its line
f="$T/bad/two-errors.conf"
printf '%s\n' "$head" "colour = blue" "max_body = lots" >"$f"
err=$("${RW[@]}" -c "$f" config-check 2>&1 >/dev/null)
assert_rc "two errors: config-check" 78 $?
assert_contains "two errors: the first is reported" "$f:6" "$err"
assert_contains "two errors: the second is reported" "$f:7" "$err"

err=$("${RW[@]}" -c "$T/bad/does-not-exist.conf" config-check 2>&1 >/dev/null)
assert_rc "missing config file: config-check" 78 $?
assert_contains "missing config file: message names it" "$T/bad/does-not-exist.conf" "$err"

out=$(rw config-check 2>&1)
assert_rc "config-check of a good file" 0 $?
assert_match "config-check prints the effective config" 'max_redirects' "$out"
assert_match "config-check shows the value from the file" 'max_redirects.*5' "$out"

out=$(ROTWATCH_CONFIG="$CONF" "${RW[@]}" list --format json 2>&1)
assert_rc "ROTWATCH_CONFIG is used when there is no -c" 0 $?
assert_eq "ROTWATCH_CONFIG: list shows the two sources" 2 \
	"$(printf '%s' "$out" | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))' 2>&1)"

# --- add with a bad URL: a clear error naming it, nothing stored ---------------
for u in "ftp://files.example.org/report.pdf" "reports.example.org/no-scheme" \
	"http://reports.example.org:99999/x" "http://[::1/x" "javascript:alert(1)"; do
	before=$(dump)
	err=$(rw add "$u" 2>&1 >/dev/null)
	rc=$?
	after=$(dump)
	assert_between "add $u: exit status 1 or 2" 1 2 "$rc"
	assert_contains "add $u: the message names the URL" "$u" "$err"
	assert_eq "add $u: nothing stored" "$before" "$after"
done
# one bad URL among good ones: nothing is added (rotwatch(1))
before=$(dump)
err=$(rw add https://good.example.org/1 "ftp://files.example.org/y" https://good.example.org/2 2>&1 >/dev/null)
rc=$?
after=$(dump)
assert_between "add good + bad + good: exit status 1 or 2" 1 2 "$rc"
assert_contains "add good + bad + good: the bad URL is named" "ftp://files.example.org/y" "$err"
assert_eq "add good + bad + good: nothing stored" "$before" "$after"

# --- canonical form: two spellings of one URL are one source -------------------
canon_case() {
	# canon_case STORED-FORM SPELLING...
	local want=$1 s n
	shift
	for s in "$@"; do
		rw add "$s" >"$T/out" 2>&1
		assert_rc "add $s" 0 $?
	done
	assert_eq "spellings of $want are one source" "$want" \
		"$(q "SELECT url FROM sources WHERE host = (SELECT host FROM sources WHERE url = $(sql_str "$want"))")"
}
canon_case "http://canon.example.com/b" "HTTP://Canon.Example.COM:80/a/../b#frag" \
	"http://canon.example.com/b" "http://canon.example.com/./b#other"
canon_case "https://canon2.example.com/" "https://canon2.example.com" \
	"HTTPS://CANON2.example.com:443/" "https://canon2.example.com/#top"
# IDN, with no locale in the environment at all
env -i "${RW[@]}" -c "$CONF" add "http://bücher.example/katalog" >"$T/out" 2>&1
assert_rc "add an IDN URL under env -i" 0 $?
assert_eq "IDN host stored in punycode" "xn--bcher-kva.example" \
	"$(q "SELECT host FROM sources WHERE url LIKE '%bcher%'")"
assert_eq "IDN URL stored in punycode" "http://xn--bcher-kva.example/katalog" \
	"$(q "SELECT url FROM sources WHERE url LIKE '%bcher%'")"
rw add "http://BÜCHER.example/katalog" >"$T/out" 2>&1
assert_rc "add the IDN in capitals" 0 $?
assert_eq "the IDN in capitals is the same source" 1 \
	"$(q "SELECT count(*) FROM sources WHERE url LIKE '%bcher%'")"

# --- import of a file with bad lines ------------------------------------------
ids=$(q 'SELECT group_concat(id) FROM sources')
# (an import may record a new citation for a known URL; it must not alter
# or drop anything already stored)
keep_sql="SELECT * FROM sources WHERE id IN ($ids) ORDER BY id;
SELECT * FROM source_tags WHERE source_id IN ($ids) ORDER BY source_id, tag;"
kept_before=$(sqlite3 -batch -cmd '.mode quote' "$DB" "$keep_sql")
nsrc_before=$(q 'SELECT count(*) FROM sources')

F="$T/list.txt"
{
	printf '\xef\xbb\xbfhttps://reports.example.org/a\r\n'  # 1 BOM, valid
	printf 'https://reports.example.org/b\r\n'              # 2 already present
	printf 'www.example.org/page\r\n'                       # 3 no scheme
	printf 'ftp://files.example.org/report.pdf\r\n'         # 4 not http(s)
	printf 'http://reports.example.org:99999/x\r\n'         # 5 bad port
	printf 'http://reports.example.org/a\x01b\r\n'          # 6 control characters
	printf 'http://reports.example.org/'                    # 7 over-long (9 MB)
	head -c 9000000 /dev/zero | tr '\0' 'a'
	printf '\r\n'
	printf '   https://reports.example.org/c\r\n'           # 8 valid, indented
	printf 'http://[::1/x\r\n'                              # 9 invalid URL
	printf 'https://reports.example.org/a\r\n'              # 10 repeated in the file
	printf 'http://reports.example.org/nul\0x\r\n'          # 11 control characters
	printf '\r\n'                                           # 12 empty
	printf 'See the appendix for the full list.\r\n'        # 13 prose
	printf 'https://reports.example.org/d\r\n'              # 14 valid
} >"$F"

rw import "$F" >"$T/import.out" 2>"$T/import.err"
assert_rc "import of a file with bad lines" 0 $?
# a URL repeated within one file counts once (as the endnotes below show:
# 19 distinct URLs in 34 notes give "19 added, 0 already present")
assert_eq "import summary" "3 added, 1 already present, 7 rejected" "$(cat "$T/import.out")"
err=$(cut -c1-300 "$T/import.err")
for r in "3:no scheme" "4:not http(s)" "5:bad port" "6:control characters" \
	"7:over-long" "9:invalid URL" "11:control characters"; do
	assert_contains "line ${r%%:*} rejected as ${r#*:}" \
		"$F:${r%%:*}: rejected: ${r#*:}: " "$err"
done
assert_eq "exactly 7 rejection messages" 7 "$(grep -c ': rejected: ' "$T/import.err")"
assert_eq "the valid lines are stored, nothing else" \
	"https://reports.example.org/a https://reports.example.org/b https://reports.example.org/c https://reports.example.org/d" \
	"$(q "SELECT url FROM sources WHERE url LIKE '%reports.example.org%' ORDER BY url" | xargs)"
assert_eq "source count" $((nsrc_before + 3)) "$(q 'SELECT count(*) FROM sources')"
kept_after=$(sqlite3 -batch -cmd '.mode quote' "$DB" "$keep_sql")
assert_eq "the sources present before are unchanged" "$kept_before" "$kept_after"

printf 'https://stdin.example.org/x\n' | rw import - >"$T/stdin.out" 2>&1
assert_rc "import from stdin" 0 $?
assert_eq "import from stdin: summary" "1 added, 0 already present, 0 rejected" "$(cat "$T/stdin.out")"

# --- import of a real endnote list ----------------------------------------------
E=${ENDNOTES:-$ROOT/tests/data/everywhere-border-endnotes.txt}
[ -r "$E" ] || { echo "FATAL: $E is not readable"; exit 1; }
mkdir -p "$T/e"
CONF="$T/e/rotwatch.conf"
DB="$T/e/db.sqlite"
write_conf

rw import "$E" --tag border >"$T/e1.out" 2>"$T/e1.err"
assert_rc "import of the endnotes" 0 $?
assert_eq "first import of the endnotes" "19 added, 0 already present, 1 rejected" "$(cat "$T/e1.out")"
line=$(grep -n 'www\.r3d\.mx/publicaciones' "$E" | cut -d: -f1)
assert_contains "the bare www. address is rejected with its line" \
	"$E:$line: rejected: no scheme: www.r3d.mx/publicaciones" "$(cat "$T/e1.err")"
assert_eq "19 sources" 19 "$(q 'SELECT count(*) FROM sources')"
assert_eq "all 19 tagged" 19 \
	"$(rw list --tag border --format json 2>&1 | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))' 2>&1)"
assert_eq "no stored URL ends in punctuation or markup" "" \
	"$(q "SELECT url FROM sources WHERE substr(url, -1) IN ('.', ',', ';', ':', ')', '>', '''', '\"', '*')")"
assert_eq "no stored URL contains '<', '>' or a space" "" \
	"$(q "SELECT url FROM sources WHERE url GLOB '*[<> ]*'")"
for u in "https://r3d.mx/wp-content/uploads/Oficios-y-anexos-471.pdf" \
	"http://dx.doi.org/10.1093/isq/sqac033" \
	"https://elfaro.net/en/202105/el_salvador/25479/Sting-Operation-against-Migrant-Caravan-Arrests-Working" \
	"http://centroprodh.org.mx/sidih_2_0_alfa?p=31418"; do
	assert_eq "stored: $u" 1 "$(q "SELECT count(*) FROM sources WHERE url = $(sql_str "$u")")"
done
MIJ="https://mijente.net/wp-content/uploads/2023/02/Who-is-Behind-ICE-The-Tech-and-Data-Companies-Fueling-Deportations_v4.pdf"
assert_eq "note numbers of the Mijente PDF" "5 13" \
	"$(q "SELECT note FROM source_notes WHERE source_id = (SELECT id FROM sources WHERE url = $(sql_str "$MIJ")) ORDER BY CAST(note AS INTEGER)" | xargs)"
assert_eq "note numbers of the weforum 2021 page" "7" \
	"$(q "SELECT note FROM source_notes WHERE source_id = (SELECT id FROM sources WHERE url = 'https://www.weforum.org/agenda/2021/08/4-reasons-you-should-care-about-digital-public-infrastructure/')" | xargs)"
notes_before=$(sqlite3 -batch -cmd '.mode quote' "$DB" 'SELECT * FROM source_notes ORDER BY source_id, note')
src_before=$(sqlite3 -batch -cmd '.mode quote' "$DB" 'SELECT * FROM sources ORDER BY id')

rw import "$E" >"$T/e2.out" 2>"$T/e2.err"
assert_rc "second import of the endnotes" 0 $?
assert_eq "second import of the endnotes" "0 added, 19 already present, 1 rejected" "$(cat "$T/e2.out")"
assert_eq "second import: notes unchanged" "$notes_before" \
	"$(sqlite3 -batch -cmd '.mode quote' "$DB" 'SELECT * FROM source_notes ORDER BY source_id, note')"
assert_eq "second import: sources unchanged" "$src_before" \
	"$(sqlite3 -batch -cmd '.mode quote' "$DB" 'SELECT * FROM sources ORDER BY id')"

# history and diff: bad input is named, nothing is changed
err=$(rw diff "$MIJ" --from yesterdayish 2>&1 >/dev/null)
assert_rc "diff --from with a bad time" 2 $?
assert_contains "diff --from: the bad value is named" '--from "yesterdayish"' "$err"
err=$(rw diff "$MIJ" 2>&1 >/dev/null)
assert_rc "diff of a source never checked" 1 $?
assert_contains "diff: says there is no text version yet" "no text version" "$err"
err=$(rw history https://nowhere.example/none 2>&1 >/dev/null)
assert_rc "history of an unknown source" 1 $?
assert_contains "history: names the unknown source" "no source 'https://nowhere.example/none'" "$err"
out=$(rw history "$MIJ" --format json 2>&1)
assert_rc "history of a new source" 0 $?
assert_eq "history of a new source: no events, no checks" "new 0 0" \
	"$(printf '%s' "$out" | "$PY" -c 'import json,sys; h=json.load(sys.stdin); print(h["state"], len(h["events"]), len(h["checks"]))' 2>&1)"
err=$(rw check --all https://x.example/ 2>&1 >/dev/null)
assert_rc "check with both URLs and --all" 2 $?
assert_eq "sources unchanged by the refused commands" "$src_before" \
	"$(sqlite3 -batch -cmd '.mode quote' "$DB" 'SELECT * FROM sources ORDER BY id')"

# values the config cannot hold: an archive endpoint that is no URL, and a
# value that begins with a comment character (it would not read back)
config_refused "endpoint without http(s)://" '[storage]\ndatabase = db.sqlite\n[archive]\nendpoint = web.archive.org\n' \
	"@F@:4: archive.endpoint = \"web.archive.org\": expected an http(s) URL"
config_refused "a value beginning with ;" '[storage]\ndatabase = db.sqlite\n[check]\nuser_agent =;bot\n' \
	"@F@:4: check.user_agent = \";bot\": a value may not begin with ; or #"
config_refused "an ignore regex beginning with ;" '[storage]\ndatabase = db.sqlite\n[content]\nignore =;[0-9]+\n' \
	"@F@:4: content.ignore = \";[0-9]+\": a value may not begin with ; or # (they begin comments; write [;] or [#])"
config_refused "a channel key given twice" '[storage]\ndatabase = db.sqlite\n[channel h]\ntype = webhook\nurl = http://127.0.0.1:1/\nsecret = k\ntype = email\n' \
	"@F@:7: key \"type\" given twice in [channel h]"
# a regex glibc would unroll for minutes and gigabytes is refused at once
config_refused "an ignore regex with a repeated repetition" '[storage]\ndatabase = db.sqlite\n[content]\nignore = [0-9]+++++++++++++++++++++++++++++++\n' \
	"@F@:4: content.ignore = \"[0-9]+++++++++++++++++++++++++++++++\": a repetition of a repetition"
config_refused "an ignore regex with three bounds" '[storage]\ndatabase = db.sqlite\n[content]\nignore = ((a{9}){9}){9}\n' \
	"@F@:4: content.ignore = \"((a{9}){9}){9}\": more than two bounds"
config_refused "repetitions after a bracket that holds [" '[storage]\ndatabase = db.sqlite\n[content]\nignore = [0-9[]++++++++++++++++\n' \
	"@F@:4: content.ignore = \"[0-9[]++++++++++++++++\": a repetition of a repetition"
config_refused "an ignore regex with repetitions nested 5 deep" '[storage]\ndatabase = db.sqlite\n[content]\nignore = (((((a+)+)+)+)+)\n' \
	"@F@:4: content.ignore = \"(((((a+)+)+)+)+)\": repetitions nested more than 4 deep"
config_refused "an ignore regex that unrolls to 65025 copies" '[storage]\ndatabase = db.sqlite\n[content]\nignore = (a{1,255}){0,255}\n' \
	"@F@:4: content.ignore = \"(a{1,255}){0,255}\": a repetition unrolls to more than 4096 copies"
# ...while the regexes people write for counters and dates still pass
printf '[storage]\ndatabase = db.sqlite\n[content]\nignore = [[:digit:]]+ (views|hits)\nignore = Updated: [0-9]{1,2} [A-Za-z]+ [0-9]{4}\nignore = ([]a-z[:space:]]+ [0-9]+,?)+\nignore = ((((a+)+)+)+)\n' >"$T/re-ok.conf"
out=$("${RW[@]}" -c "$T/re-ok.conf" config-check 2>&1)
assert_rc "ordinary ignore regexes accepted" 0 $?
assert_contains "bracket with ] and a class kept" 'ignore = ([]a-z[:space:]]+ [0-9]+,?)+' "$out"
finish
