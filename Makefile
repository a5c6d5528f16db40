# firebreak — one non-recursive Makefile; everything is built under build/.
#
#   make            the libraries and the firebreak binary
#   make run        install missing packages (as root), build, run the demo
#   make check      install, build, run every test: normal, ASan+UBSan, TSan
#   make bench      the engine benchmarks (never run as tests)
#   make install    PREFIX=/usr/local DESTDIR= : binary, libraries, header, .pc
#
# V=1 shows full commands. CFLAGS on the command line adds to (does not
# replace) the required flags, which live in FB_CFLAGS.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
MANDIR ?= $(PREFIX)/share/man
DESTDIR ?=

CC ?= cc
PKG_CONFIG ?= pkg-config
CFLAGS ?= -O2 -g
VERSION := $(shell sed -n 's/^\#define FB_VERSION "\(.*\)"/\1/p' breaker/breaker.h)
SOMAJOR := 0

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Werror
# The engine sees only its own headers; the simulator and the tools see all.
FB_CFLAGS := -std=c11 $(WARN) -MMD -MP -Ibreaker
SIM_INC := -Isim -Ireports
LIB_CFLAGS := -fPIC -fvisibility=hidden -DFB_BUILDING
# -Og: LeakSanitizer misses leaks that -O2 optimises away.
SAN_FLAGS := -Og -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
CHECK_CFLAGS = $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
CHECK_LIBS = $(shell $(PKG_CONFIG) --libs check 2>/dev/null)
JANSSON_CFLAGS = $(shell $(PKG_CONFIG) --cflags jansson 2>/dev/null)
JANSSON_LIBS = $(shell $(PKG_CONFIG) --libs jansson 2>/dev/null)

B := build
LIB_SRC := $(wildcard breaker/*.c)
# The simulator and the reports: one internal static library, libfbsim.a.
SIM_SRC := $(wildcard sim/*.c reports/*.c)
CMD_SRC := $(wildcard cmd/*.c)
TEST_SRC := $(wildcard tests/test_*.c)
STRESS_SRC := tests/stress_breaker.c
BENCH_SRC := $(wildcard bench/*.c)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(B)/%)

ifeq ($(V),1)
Q :=
say :=
else
Q := @
say = @printf '  %-7s %s\n' $(1) $(2);
endif

.PHONY: all deps run check check-unit check-asan check-tsan check-exports check-install \
        check-cli bench install uninstall clean format lint FORCE
.DEFAULT_GOAL := all

all: $(B)/libfirebreak.a $(B)/libfirebreak.so $(B)/firebreak

# ---- one set of rules per build flavour -------------------------------------
# $(1) = output dir, $(2) = extra compile and link flags
define FLAVOUR
$(1)/obj/lib/%.o: %.c
	$$(call say,CC,$$@)mkdir -p $$(@D) && $$(CC) $$(FB_CFLAGS) $$(LIB_CFLAGS) $$(CFLAGS) $(2) -c $$< -o $$@
$(1)/obj/%.o: %.c
	$$(call say,CC,$$@)mkdir -p $$(@D) && $$(CC) $$(FB_CFLAGS) $$(SIM_INC) $$(CFLAGS) $(2) $$(CHECK_CFLAGS) $$(JANSSON_CFLAGS) -c $$< -o $$@
$(1)/libfirebreak.a: $$(LIB_SRC:%.c=$(1)/obj/lib/%.o)
	$$(call say,AR,$$@)rm -f $$@ && $$(AR) rcs $$@ $$^
$(1)/libfbsim.a: $$(SIM_SRC:%.c=$(1)/obj/%.o)
	$$(call say,AR,$$@)rm -f $$@ && $$(AR) rcs $$@ $$^
$(1)/test_all: $$(TEST_SRC:%.c=$(1)/obj/%.o) $(1)/libfbsim.a $(1)/libfirebreak.a
	$$(call say,LD,$$@)$$(CC) $$(CFLAGS) $(2) $$(CHECK_CFLAGS) $$^ $$(JANSSON_LIBS) $$(CHECK_LIBS) -lm -o $$@
-include $$(wildcard $(1)/obj/*/*.d $(1)/obj/*/*/*.d)
endef

$(eval $(call FLAVOUR,$(B),))
$(eval $(call FLAVOUR,$(B)/asan,$(SAN_FLAGS)))
$(eval $(call FLAVOUR,$(B)/tsan,-O1 -fsanitize=thread))

$(B)/libfirebreak.so: $(LIB_SRC:%.c=$(B)/obj/lib/%.o)
	$(call say,LD,$@)$(CC) -shared -Wl,-soname,libfirebreak.so.$(SOMAJOR) $(CFLAGS) $^ -lm -o $@.$(VERSION) \
	  && ln -sf libfirebreak.so.$(VERSION) $@.$(SOMAJOR) && ln -sf libfirebreak.so.$(VERSION) $@

$(B)/firebreak: $(CMD_SRC:%.c=$(B)/obj/%.o) $(B)/libfbsim.a $(B)/libfirebreak.a
	$(call say,LD,$@)$(CC) $(CFLAGS) $^ $(JANSSON_LIBS) -lm -o $@

$(B)/stress_breaker: $(STRESS_SRC:%.c=$(B)/tsan/obj/%.o) $(B)/tsan/libfirebreak.a
	$(call say,LD,$@)$(CC) -fsanitize=thread $(CFLAGS) $^ -lpthread -lm -o $@

# Benchmarks: one binary per bench/*.c. bench_breaker counts allocations by
# wrapping malloc; the others link plainly.
$(B)/bench_breaker: $(B)/obj/bench/bench_breaker.o $(B)/libfirebreak.a
	$(call say,LD,$@)$(CC) $(CFLAGS) $^ -lpthread -lm \
	  -Wl,--wrap=malloc -Wl,--wrap=calloc -Wl,--wrap=realloc -o $@
$(B)/bench_%: $(B)/obj/bench/bench_%.o $(B)/libfbsim.a $(B)/libfirebreak.a
	$(call say,LD,$@)$(CC) $(CFLAGS) $^ $(JANSSON_LIBS) -lpthread -lm -o $@

# Regenerated every time: PREFIX and LIBDIR may differ from the last make.
$(B)/firebreak.pc: firebreak.pc.in breaker/breaker.h FORCE
	$(call say,GEN,$@)mkdir -p $(@D) && sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	  -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' $< > $@

# ---- the two README commands -------------------------------------------------
deps:
	@sh scripts/deps

run: deps
	@$(MAKE) --no-print-directory all
	$(B)/firebreak run scenarios/checkout.json --out out/checkout

check: deps
	@$(MAKE) --no-print-directory check-unit check-asan check-tsan check-exports check-cli check-install $(B)/curl_breaker
	@echo "make check: all passed"

check-unit: $(B)/test_all
	@echo "== unit tests"
	$(B)/test_all

check-asan: $(B)/asan/test_all
	@echo "== unit tests under ASan+UBSan"
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  CK_TIMEOUT_MULTIPLIER=4 $(B)/asan/test_all

# Kernels with high mmap randomisation break older TSan runtimes ("unexpected
# memory mapping"); only then is the run repeated with ASLR off.
check-tsan: $(B)/stress_breaker
	@echo "== concurrency stress under TSan"
	@TSAN_OPTIONS=halt_on_error=1 $(B)/stress_breaker 2>$(B)/tsan.log; rc=$$?; cat $(B)/tsan.log >&2; \
	  if [ $$rc -ne 0 ] && grep -q 'unexpected memory mapping' $(B)/tsan.log; then \
	    echo "TSan runtime cannot map memory with ASLR on; running with setarch -R"; \
	    TSAN_OPTIONS=halt_on_error=1 setarch $$(uname -m) -R $(B)/stress_breaker; rc=$$?; \
	  fi; exit $$rc

# The shared library exports fb_ names only.
check-exports: $(B)/libfirebreak.so
	@echo "== exported symbols"
	@bad=$$(nm -D --defined-only $(B)/libfirebreak.so | awk '$$2 ~ /[TDBRWV]/ {print $$3}' | grep -v '^fb_[a-z0-9]' || true); \
	  if [ -n "$$bad" ]; then echo "exported non-fb_ symbols: $$bad"; exit 1; fi; \
	  echo "only fb_ symbols exported ($$(nm -D --defined-only $(B)/libfirebreak.so | grep -c ' T fb_') functions)"

check-cli: $(B)/firebreak
	@echo "== command-line tests"
	sh tests/cli.sh $(B)/firebreak
	sh tests/plots.sh $(B)/firebreak
	sh tests/sweep.sh $(B)/firebreak

# Install into a scratch DESTDIR and build a program outside the tree with
# pkg-config, against both the shared and the static library.
check-install: all
	@echo "== install and link from outside the tree"
	sh tests/install.sh

# The guide's libcurl example must keep compiling and linking.
$(B)/curl_breaker: docs/examples/curl_breaker.c $(B)/libfirebreak.a
	$(call say,LD,$@)$(CC) -std=c11 $(WARN) -Ibreaker $(CFLAGS) $< $(B)/libfirebreak.a \
	  $$($(PKG_CONFIG) --cflags --libs libcurl) -o $@

bench: $(BENCH_BIN) $(B)/firebreak
	@for b in $(BENCH_BIN); do echo "== $$b"; $$b || exit 1; done

# ---- install -----------------------------------------------------------------
install: all $(B)/firebreak.pc
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR)/firebreak \
	  $(DESTDIR)$(PKGCONFIGDIR)
	install -m 755 $(B)/firebreak $(DESTDIR)$(BINDIR)/firebreak
	install -m 644 $(B)/libfirebreak.a $(DESTDIR)$(LIBDIR)/libfirebreak.a
	install -m 755 $(B)/libfirebreak.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libfirebreak.so.$(VERSION)
	ln -sf libfirebreak.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libfirebreak.so.$(SOMAJOR)
	ln -sf libfirebreak.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libfirebreak.so
	install -m 644 breaker/breaker.h $(DESTDIR)$(INCLUDEDIR)/firebreak/breaker.h
	install -m 644 $(B)/firebreak.pc $(DESTDIR)$(PKGCONFIGDIR)/firebreak.pc
	install -d $(DESTDIR)$(MANDIR)/man1
	install -m 644 docs/firebreak.1 $(DESTDIR)$(MANDIR)/man1/firebreak.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/firebreak $(DESTDIR)$(LIBDIR)/libfirebreak.a \
	  $(DESTDIR)$(LIBDIR)/libfirebreak.so $(DESTDIR)$(LIBDIR)/libfirebreak.so.$(SOMAJOR) \
	  $(DESTDIR)$(LIBDIR)/libfirebreak.so.$(VERSION) $(DESTDIR)$(INCLUDEDIR)/firebreak/breaker.h \
	  $(DESTDIR)$(PKGCONFIGDIR)/firebreak.pc $(DESTDIR)$(MANDIR)/man1/firebreak.1
	-rmdir $(DESTDIR)$(INCLUDEDIR)/firebreak 2>/dev/null

clean:
	rm -rf $(B)

FORCE:

format:
	clang-format -i breaker/*.[ch] cmd/*.c tests/*.[ch] bench/*.c

lint:
	cppcheck --quiet --enable=warning,performance,portability --error-exitcode=1 \
	  --suppress=missingIncludeSystem -Ibreaker breaker cmd
