# libFuzzer targets (clang), with ASan and UBSan, in their own tree.
#   make fuzz                 each target FUZZ_SECONDS (default 600) in turn
#   make fuzz-smoke           each target 15 s (part of `make test`)
#   make fuzz-TARGET          one target (url extract config text spn warc)
# Findings go to build-fuzz/findings/; the corpus grows in
# build-fuzz/corpus/TARGET, seeded from tests/fuzz/seeds/TARGET.
FUZZ_TARGETS = url extract config text spn warc
FZ	 = build-fuzz
FUZZ_SECONDS ?= 600
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_OPT = -O1 -g -fno-omit-frame-pointer $(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_BINS = $(FUZZ_TARGETS:%=$(FZ)/fuzz_%)

.PHONY: fuzz fuzz-smoke fuzz-lib $(FUZZ_TARGETS:%=fuzz-%)

# The daemon's objects built by clang with the fuzzer's instrumentation.
$(FZ)/libdaemon.a: $(DAEMON_SRCS) $(wildcard daemon/*.h) daemon/schema.sql \
		config/parked.txt
	$(MAKE) B=$(FZ) CC=clang OPT="$(FUZZ_OPT)" fuzz-lib

fuzz-lib: $(DAEMON_OBJS)
	rm -f $(B)/libdaemon.a
	ar rcs $(B)/libdaemon.a $(DAEMON_OBJS)

$(FZ)/fuzz_%: tests/fuzz/fuzz_%.c $(FZ)/libdaemon.a
	clang -std=c17 -D_DEFAULT_SOURCE $(FUZZ_OPT) -fsanitize=fuzzer $(WARN) -Idaemon \
		$(shell pkg-config --cflags $(PKGS)) $< $(FZ)/libdaemon.a \
		$(LDLIBS) -o $@

# fuzz_run TARGET SECONDS
define fuzz_run
	mkdir -p $(FZ)/corpus/$(1) $(FZ)/findings
	$(FZ)/fuzz_$(1) -max_total_time=$(2) -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix=$(FZ)/findings/$(1)- \
		$(FZ)/corpus/$(1) tests/fuzz/seeds/$(1) </dev/null \
		>$(FZ)/fuzz_$(1).log 2>&1 || { tail -40 $(FZ)/fuzz_$(1).log; exit 1; }
	@grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' $(FZ)/fuzz_$(1).log | \
		sed 's/^/fuzz $(1): /'; grep -E 'cov: [0-9]+' $(FZ)/fuzz_$(1).log | tail -1 | \
		sed 's/^/fuzz $(1): /'
endef

$(FUZZ_TARGETS:%=fuzz-%): fuzz-%: $(FZ)/fuzz_%
	$(call fuzz_run,$*,$(FUZZ_SECONDS))

fuzz: $(FUZZ_BINS)
	@for t in $(FUZZ_TARGETS); do \
		$(MAKE) -s fuzz-$$t FUZZ_SECONDS=$(FUZZ_SECONDS) || exit 1; done

fuzz-smoke: $(FUZZ_BINS)
	@for t in $(FUZZ_TARGETS); do $(MAKE) -s fuzz-$$t FUZZ_SECONDS=15 || exit 1; done
