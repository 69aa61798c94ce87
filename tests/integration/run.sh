#!/bin/bash
# Runs every tests/integration/*.sh (except lib.sh and this file), each with
# a time limit; prints PASS/FAIL per test, the log of failures, and a total.
# Usage: tests/integration/run.sh [NAME...]   (e.g. classes tls)
set -u
DIR=$(cd "$(dirname "$0")" && pwd)
LIMIT=${TEST_TIMEOUT:-150}
LOGS=$(mktemp -d /tmp/rotwatch-it.XXXXXX)
trap 'rm -rf "$LOGS"' EXIT

if [ $# -gt 0 ]; then
	tests=()
	for n in "$@"; do tests+=("$DIR/${n%.sh}.sh"); done
else
	tests=()
	for t in "$DIR"/*.sh; do
		case $(basename "$t") in
		lib.sh | run.sh) ;;
		*) tests+=("$t") ;;
		esac
	done
fi

passed=0
failed=0
for t in "${tests[@]}"; do
	name=$(basename "$t" .sh)
	start=$(date +%s)
	timeout -k 5 "$LIMIT" bash "$t" >"$LOGS/$name.log" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	if [ "$rc" -eq 0 ]; then
		echo "PASS $name (${secs}s)"
		passed=$((passed + 1))
	else
		[ "$rc" -eq 124 ] && echo "(time limit of ${LIMIT}s reached)" >>"$LOGS/$name.log"
		echo "FAIL $name (${secs}s)"
		sed 's/^/    /' "$LOGS/$name.log"
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
