#!/bin/bash
# Installing and running as a service: `make install` into a DESTDIR puts
# the binary, the man pages, the unit and the config where PREFIX says;
# `man -l` renders both pages without a warning and they name every
# command, class and state; systemd-analyze verifies the unit with nothing
# on stderr and scores its exposure at 1.5 or less; the unit keeps
# restarts off for configuration errors (exit 78), which the daemon gives;
# `make uninstall` removes what was installed and keeps the user's config.
. "$(dirname "$0")/lib.sh"
setup
D="$T/root"
PFX=/opt/rw
make -s -C "$ROOT" install DESTDIR="$D" PREFIX="$PFX" >"$T/install.log" 2>&1
assert_rc "make install DESTDIR PREFIX" 0 $?
for f in "$PFX/bin/rotwatch" "$PFX/share/man/man1/rotwatch.1" \
	"$PFX/share/man/man5/rotwatch.conf.5" "$PFX/lib/systemd/system/rotwatch.service" \
	/etc/rotwatch/rotwatch.conf /etc/rotwatch/rotwatch.conf.example \
	"$PFX/share/rotwatch/parked.txt"; do
	assert_eq "installed: $f" yes "$([ -f "$D$f" ] && echo yes || echo no)"
done
U="$D$PFX/lib/systemd/system/rotwatch.service"
assert_contains "the unit runs the installed binary" \
	"ExecStart=$PFX/bin/rotwatch -c /etc/rotwatch/rotwatch.conf daemon" "$(cat "$U")"
assert_eq "the installed binary runs" 0 "$("$D$PFX/bin/rotwatch" -V >/dev/null 2>&1; echo $?)"

# -- man pages: rendered without warnings, complete -------------------------
for page in man1/rotwatch.1 man5/rotwatch.conf.5; do
	err=$(MANWIDTH=80 man --warnings=all -l "$D$PFX/share/man/$page" 2>&1 >"$T/page.txt")
	assert_eq "man -l $page: no warning" "" "$err"
	assert_ne "man -l $page: renders text" 0 "$(wc -l <"$T/page.txt")"
done
MAN1=$(MANWIDTH=200 man -l "$D$PFX/share/man/man1/rotwatch.1" 2>/dev/null)
MAN5=$(MANWIDTH=200 man -l "$D$PFX/share/man/man5/rotwatch.conf.5" 2>/dev/null)
# undocumented PAGE WORD...: the words PAGE does not name (as whole words)
undocumented() {
	local page=$1 w missing=""
	shift
	for w in "$@"; do
		printf '%s' "$page" | grep -Eq "(^|[^a-z_-])$w([^a-z_-]|$)" || missing="$missing $w"
	done
	printf '%s' "$missing"
}
# every command the binary knows (its usage), every class and state (their
# name tables in the source)
cmds=$("$RW_BIN" --help | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && NF {print $1}')
classes=$(sed -n 's/.*\[CC_[A-Z0-9_]*\] *= *"\([a-z0-9_]*\)".*/\1/p' "$ROOT/daemon/classify.c")
states=$(sed -n 's/.*\[VS_[A-Z0-9_]*\] *= *"\([a-z0-9_]*\)".*/\1/p' "$ROOT/daemon/verdict.c")
assert_not_match "commands, classes and states read" "(^| )0( |$)" "$(echo $cmds | wc -w) $(echo $classes | wc -w) $(echo $states | wc -w)"
assert_eq "rotwatch(1) names every command" "" "$(undocumented "$MAN1" $cmds)"
assert_eq "rotwatch(1) names every class" "" "$(undocumented "$MAN1" $classes)"
assert_eq "rotwatch(1) names every state" "" "$(undocumented "$MAN1" $states)"
# every key config-check prints (all of them, with a channel of each type)
cat >"$T/all.conf" <<EOF2
[storage]
database = db.sqlite
[channel h]
type = webhook
url = http://127.0.0.1:1/
tags = a b
secret = k
[channel m]
type = email
smtp = smtp://127.0.0.1:25
from = a@example.org
to = b@example.org
user = rotwatch
[channel f]
type = atom
path = f.atom
EOF2
keys=$("$RW_BIN" -c "$T/all.conf" config-check 2>/dev/null | sed -n 's/^\([a-z_0-9]*\) *=.*/\1/p' | sort -u)
assert_ne "keys read from config-check" "" "$keys"
assert_eq "rotwatch.conf(5) documents every key" "" "$(undocumented "$MAN5" $keys)"

# -- the unit ----------------------------------------------------------------
# verify needs ExecStart to exist on this machine: the same unit, pointed
# at the DESTDIR copy of the binary
sed "s#$PFX/bin/rotwatch#$D$PFX/bin/rotwatch#" "$U" >"$T/rotwatch.service"
err=$(systemd-analyze verify --man=no "$T/rotwatch.service" 2>&1 >/dev/null)
assert_rc "systemd-analyze verify" 0 $?
assert_eq "systemd-analyze verify: nothing on stderr" "" "$err"
sec=$(systemd-analyze security --offline=true "$T/rotwatch.service" 2>&1)
score=$(printf '%s' "$sec" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
assert_match "systemd-analyze security gives a score" '^[0-9]+\.[0-9]$' "$score"
assert_eq "exposure $score <= 1.5" yes "$(awk -v s="$score" 'BEGIN { print (s <= 1.5) ? "yes" : "no" }')"
systemd-analyze security --offline=true --threshold=15 "$T/rotwatch.service" >/dev/null 2>&1
assert_rc "systemd-analyze security --threshold=15" 0 $?
unit=$(cat "$U")
for l in Type=notify WatchdogSec= ExecReload= DynamicUser=yes StateDirectory=rotwatch \
	LoadCredential=ia-keys: LoadCredential=smtp-password: RestartPreventExitStatus=78; do
	assert_contains "unit: $l" "$l" "$unit"
done
# the exit status the unit relies on: a broken config is 78, not a crash
printf '[storage]\ndatabase = db.sqlite\n[check]\nconcurrency = many\n' >"$T/bad.conf"
"$RW_BIN" -c "$T/bad.conf" daemon >/dev/null 2>"$T/bad.err"
assert_rc "daemon with a broken config" 78 $?
assert_contains "the error names the line" "$T/bad.conf:4:" "$(cat "$T/bad.err")"
# an archive credential the unit fell back on (SetCredential=ia-keys:none):
# checks go on without archiving; a missing SMTP credential is a config error
mkdir -p "$T/creds"
printf 'none' >"$T/creds/ia-keys"
printf 'none' >"$T/creds/smtp-password"
cat >"$T/cred.conf" <<EOF2
[storage]
database = $T/cred.sqlite
[archive]
enabled = yes
EOF2
out=$(CREDENTIALS_DIRECTORY="$T/creds" timeout 5 "$RW_BIN" -c "$T/cred.conf" daemon 2>&1)
rc=$?
assert_eq "no archive keys given to the unit: the daemon runs (stopped by timeout)" 124 $rc
assert_contains "... and says it does not archive" "no keys" "$out"
printf 'ACCESS:SECRET\n' >"$T/creds/ia-keys"
chmod 0444 "$T/creds/ia-keys"	# as a credential may be: not the owner's mode
out=$(CREDENTIALS_DIRECTORY="$T/creds" timeout 3 "$RW_BIN" -c "$T/cred.conf" daemon 2>&1)
assert_not_match "keys from a credential: no complaint about them" "no keys|keys file" "$out"
cat >>"$T/cred.conf" <<EOF2
[channel mail]
type = email
smtp = smtp://127.0.0.1:25
from = a@example.org
to = b@example.org
user = rotwatch
password_file = credential:smtp-password
EOF2
err=$(CREDENTIALS_DIRECTORY="$T/creds" "$RW_BIN" -c "$T/cred.conf" config-check 2>&1 >/dev/null)
assert_rc "an SMTP credential the unit was not given" 78 $?
assert_contains "... names the line and the file to install" \
	"$T/cred.conf:$(grep -n '^password_file' "$T/cred.conf" | cut -d: -f1): password_file = credential:smtp-password: the service was given no such credential (install /etc/credstore/rotwatch.smtp-password" "$err"
err=$(env -u CREDENTIALS_DIRECTORY "$RW_BIN" -c "$T/cred.conf" config-check 2>&1 >/dev/null)
assert_rc "credential:NAME outside systemd" 78 $?
assert_contains "... says why" '$CREDENTIALS_DIRECTORY is not set' "$err"
printf 's3cret\n' >"$T/creds/smtp-password"
CREDENTIALS_DIRECTORY="$T/creds" "$RW_BIN" -c "$T/cred.conf" config-check >/dev/null 2>&1
assert_rc "with the credential given: config-check" 0 $?

# -- uninstall -----------------------------------------------------------------
echo '# mine' >>"$D/etc/rotwatch/rotwatch.conf"
make -s -C "$ROOT" install DESTDIR="$D" PREFIX="$PFX" >/dev/null 2>&1
assert_contains "install again keeps the user's config" "# mine" "$(cat "$D/etc/rotwatch/rotwatch.conf")"
make -s -C "$ROOT" uninstall DESTDIR="$D" PREFIX="$PFX" >"$T/uninstall.log" 2>&1
assert_rc "make uninstall" 0 $?
left=$(cd "$D" && find . -type f | sort | tr '\n' ' ')
assert_eq "uninstall leaves only the user's config" "./etc/rotwatch/rotwatch.conf " "$left"
finish
