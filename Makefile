# rotwatch: GNU make.  `make run` installs what is missing, builds and starts
# the daemon in the foreground; `make test` runs every test.

PREFIX	?= /usr/local
B	?= build
CC	?= cc
PKGS	 = libuv libcurl sqlite3 libxml-2.0 jansson inih libcrypto zlib

# Debian 12 packages needed to build, run and test.
DEBS	 = build-essential pkg-config libuv1-dev libcurl4-openssl-dev \
	   libsqlite3-dev libxml2-dev libjansson-dev libinih-dev libssl-dev \
	   zlib1g-dev sqlite3 python3 openssl curl ca-certificates valgrind \
	   util-linux iproute2 procps time python3-feedparser python3-aiosmtpd \
	   chromium man-db groff-base systemd clang libclang-rt-14-dev

WARN	 = -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes \
	   -Wmissing-prototypes -Wformat=2 -Wno-unused-parameter -Wvla \
	   -Wcast-qual -Wwrite-strings
OPT	?= -O2 -g
# -MD, not -MMD: gcc 12 drops our own headers from -MMD lists after
# <openssl/evp.h>, and objects would miss a header change.
CPPFLAGS += -D_DEFAULT_SOURCE -MD -MP
CFLAGS	+= -std=c17 $(OPT) $(WARN) $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS	+= $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm

DAEMON_SRCS = $(filter-out daemon/main.c,$(wildcard daemon/*.c))
DAEMON_OBJS = $(DAEMON_SRCS:%.c=$(B)/%.o) $(B)/daemon/schema.o \
	      $(B)/daemon/parked_data.o
BIN	 = $(B)/rotwatch

UNIT_SRCS  = $(wildcard tests/unit/test_*.c)

# promtool, for the metrics test, from Debian's prometheus package: only
# the program is unpacked here; installing the package would start a
# Prometheus server on this machine.
PROMTOOL = build/tools/promtool
UNIT_BINS  = $(UNIT_SRCS:%.c=$(B)/%)

.PHONY: all deps run test unit integration sanitize valgrind install uninstall clean node-deps

all: rotwatch

rotwatch: $(BIN)
	cp $(BIN) rotwatch.tmp && mv -f rotwatch.tmp rotwatch

$(BIN): $(B)/daemon/main.o $(DAEMON_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The schema is compiled in from its commented SQL file.
$(B)/daemon/schema.c: daemon/schema.sql
	@mkdir -p $(@D)
	awk 'BEGIN { print "const char schema_sql[] =" } \
	    { gsub(/\\/, "\\\\"); gsub(/"/, "\\\""); print "\"" $$0 "\\n\"" } \
	    END { print ";" }' $< > $@

$(B)/daemon/schema.o: $(B)/daemon/schema.c
	$(CC) $(CPPFLAGS) $(CFLAGS) -Idaemon -c -o $@ $<

# So are the parked-domain signatures ('?' escaped: no trigraphs).
$(B)/daemon/parked_data.c: config/parked.txt
	@mkdir -p $(@D)
	awk 'BEGIN { print "const char parked_data[] =" } \
	    { gsub(/\\/, "&&"); gsub(/"/, "\\\""); gsub(/\?/, "\\?"); \
	    print "\"" $$0 "\\n\"" } \
	    END { print ";" }' $< > $@

$(B)/daemon/parked_data.o: $(B)/daemon/parked_data.c
	$(CC) $(CPPFLAGS) $(CFLAGS) -Idaemon -c -o $@ $<

$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Idaemon -c -o $@ $<

# Every unit test links the daemon's objects (not main.o).
$(B)/tests/unit/%: $(B)/tests/unit/%.o $(DAEMON_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Install the Debian packages that are missing (needs root; no-op when all
# are present).
deps:
	@missing=""; for p in $(DEBS); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

# The tests read rotwatch's WARC files with real readers and replay engines
# from the npm registry (tests/package.json, pinned by its lock file).  Node
# comes from Debian when the machine has none.
NODE_MODS = tests/node_modules/.package-lock.json
node-deps: $(NODE_MODS)
$(NODE_MODS): tests/package.json tests/package-lock.json
	@command -v npm >/dev/null || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; }
	cd tests && npm ci --no-audit --no-fund --loglevel=error
	touch $@

RUN_DB_DIR = /var/lib/rotwatch
run: deps
	$(MAKE) all
	mkdir -p $(RUN_DB_DIR)
	./rotwatch -c config/rotwatch.conf.example import config/sources.example.txt
	./rotwatch -c config/rotwatch.conf.example daemon

unit: $(UNIT_BINS)
	@pass=0; fail=0; for t in $(UNIT_BINS); do \
		if $$t > $$t.log 2>&1; then pass=$$((pass+1)); echo "PASS $$t"; \
		else fail=$$((fail+1)); echo "FAIL $$t"; cat $$t.log; fi; \
	done; echo "unit: $$pass passed, $$fail failed"; [ $$fail -eq 0 ]

integration: rotwatch $(PROMTOOL) $(NODE_MODS)
	ROTWATCH=$(CURDIR)/rotwatch tests/integration/run.sh

test: deps
	$(MAKE) all
	$(MAKE) unit
	$(MAKE) integration
	$(MAKE) fuzz-smoke

# ASan+UBSan build in its own tree; unit and integration tests run against it.
sanitize: deps $(PROMTOOL) $(NODE_MODS)
	$(MAKE) B=build-asan OPT="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=address,undefined" build-asan/rotwatch unit
	ROTWATCH_SANITIZED=1 ROTWATCH=$(CURDIR)/build-asan/rotwatch tests/integration/run.sh

valgrind: all $(UNIT_BINS) $(PROMTOOL)
	@for t in $(UNIT_BINS); do \
		valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
			--error-exitcode=1 $$t >/dev/null || { echo "valgrind: $$t"; exit 1; }; \
	done; echo "valgrind: unit tests clean"
	ROTWATCH_WRAP="valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=99" \
		ROTWATCH=$(CURDIR)/rotwatch tests/integration/run.sh cli classes archive-policy verdicts email feed report reload metrics warc evidence

SYSCONFDIR ?= /etc
UNITDIR	?= $(PREFIX)/lib/systemd/system
MANDIR	?= $(PREFIX)/share/man

# The unit and the config name the installed paths; an existing
# rotwatch.conf is never replaced.
install: all
	install -D -m 0755 rotwatch $(DESTDIR)$(PREFIX)/bin/rotwatch
	install -D -m 0644 docs/rotwatch.1 $(DESTDIR)$(MANDIR)/man1/rotwatch.1
	install -D -m 0644 docs/rotwatch.conf.5 $(DESTDIR)$(MANDIR)/man5/rotwatch.conf.5
	install -D -m 0644 config/rotwatch.conf.example $(DESTDIR)$(SYSCONFDIR)/rotwatch/rotwatch.conf.example
	[ -e $(DESTDIR)$(SYSCONFDIR)/rotwatch/rotwatch.conf ] || \
		install -D -m 0644 config/rotwatch.conf.example $(DESTDIR)$(SYSCONFDIR)/rotwatch/rotwatch.conf
	install -D -m 0644 config/parked.txt $(DESTDIR)$(PREFIX)/share/rotwatch/parked.txt
	install -d $(DESTDIR)$(UNITDIR)
	sed -e 's#/usr/local/bin/rotwatch#$(PREFIX)/bin/rotwatch#' \
		-e 's#/etc/rotwatch/#$(SYSCONFDIR)/rotwatch/#' \
		systemd/rotwatch.service >$(DESTDIR)$(UNITDIR)/rotwatch.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/rotwatch.service

# Leaves $(SYSCONFDIR)/rotwatch/rotwatch.conf and the state: they are the
# user's.
uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/rotwatch \
		$(DESTDIR)$(MANDIR)/man1/rotwatch.1 \
		$(DESTDIR)$(MANDIR)/man5/rotwatch.conf.5 \
		$(DESTDIR)$(SYSCONFDIR)/rotwatch/rotwatch.conf.example \
		$(DESTDIR)$(PREFIX)/share/rotwatch/parked.txt \
		$(DESTDIR)$(UNITDIR)/rotwatch.service
	-rmdir $(DESTDIR)$(PREFIX)/share/rotwatch 2>/dev/null

include tests/fuzz/fuzz.mk

$(PROMTOOL):
	rm -rf build/tools && mkdir -p build/tools/deb
	cd build/tools/deb && { apt-get download prometheus 2>/dev/null || \
		{ apt-get update -qq && apt-get download prometheus; }; }
	dpkg-deb -x build/tools/deb/prometheus_*.deb build/tools/root
	ln -s root/usr/bin/promtool $@
	$@ --version >/dev/null

clean:
	rm -rf build build-asan build-fuzz rotwatch

-include $(shell find $(B) -name '*.d' -type f 2>/dev/null)
