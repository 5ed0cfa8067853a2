# liblucet: build, test, install.
#
#   make                 library, headers, pkg-config file and the demo
#   make demo            build and run the demo
#   make test            go vet, gofmt check, Go tests and every C test
#   make bench           benchmarks against Wasmtime (see bench/README.md)
#   make install PREFIX=/usr/local

PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
VERSION := 0.1.0
SOVERSION := 0

GO ?= go
PYTHON ?= python3
CC ?= gcc
CXX ?= g++
CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Werror

BUILD := build
LIB := $(BUILD)/liblucet.so.$(SOVERSION)
HEADERS := $(wildcard include/*.h)
GO_SOURCES := go.mod go.sum $(wildcard core/*.go core/*.c core/*.h asm/*.go asm/*.S asm/*.h capi/*.go capi/*.c capi/*.map)

# Guest modules are position-independent shared objects; hosts link liblucet
# and find it beside them at run time.
GUEST_FLAGS := $(CFLAGS) $(WARN) -std=gnu11 -fPIC -shared -Iinclude -Iexamples
HOST_FLAGS := $(CFLAGS) $(WARN) -std=gnu11 -Iinclude -Iexamples
HOST_LIBS := -L$(BUILD) -llucet -Wl,-rpath,'$$ORIGIN/..' -Wl,-rpath,'$$ORIGIN/../..' -rdynamic

CTEST_SOURCES := $(wildcard ctests/test_*.c)
CTEST_CXX_SOURCES := $(wildcard ctests/test_*.cc)
CTESTS := $(CTEST_SOURCES:ctests/%.c=$(BUILD)/ctests/%) $(CTEST_CXX_SOURCES:ctests/%.cc=$(BUILD)/ctests/%)
GUEST_C := $(wildcard ctests/guests/*.c)
GUEST_S := $(wildcard ctests/guests/*.S)
GUESTS := $(GUEST_C:ctests/guests/%.c=$(BUILD)/ctests/guests/%.so) $(GUEST_S:ctests/guests/%.S=$(BUILD)/ctests/guests/%.so)

.PHONY: all lib demo test gotest ctest header-check ctypes-check install-check vet fmt-check install clean bench

all: lib $(BUILD)/lucet.pc $(BUILD)/examples/demo $(BUILD)/examples/guest.so

lib: $(LIB) $(BUILD)/liblucet.so $(HEADERS:include/%=$(BUILD)/include/%)

$(LIB): $(GO_SOURCES) $(HEADERS)
	@mkdir -p $(BUILD)
	$(GO) build -buildmode=c-shared -trimpath \
		-ldflags="-extldflags '-Wl,--version-script=$(CURDIR)/capi/liblucet.map -Wl,-soname,liblucet.so.$(SOVERSION)'" \
		-o $@ ./capi
	@rm -f $(BUILD)/liblucet.so.h $(BUILD)/liblucet.so.$(SOVERSION:%=%).h

$(BUILD)/liblucet.so: $(LIB)
	ln -sf liblucet.so.$(SOVERSION) $@

$(BUILD)/include/%.h: include/%.h
	@mkdir -p $(BUILD)/include
	cp $< $@

# The prefix is baked into the file, so install writes its own copy.
PC_SUBST = sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
	-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@VERSION@|$(VERSION)|g'

$(BUILD)/lucet.pc: pkg-config/lucet.pc.in Makefile
	$(PC_SUBST) $< > $@

$(BUILD)/examples/guest.so: examples/guest.c examples/native_guest.h $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(GUEST_FLAGS) -o $@ $<

$(BUILD)/examples/demo: examples/demo.c $(HEADERS) lib
	@mkdir -p $(@D)
	$(CC) $(HOST_FLAGS) -o $@ $< $(HOST_LIBS)

demo: $(BUILD)/examples/demo $(BUILD)/examples/guest.so
	./$(BUILD)/examples/demo $(BUILD)/examples/guest.so

# ---- tests -----------------------------------------------------------------

$(BUILD)/ctests/guests/%.so: ctests/guests/%.c examples/native_guest.h $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(GUEST_FLAGS) -o $@ $<

$(BUILD)/ctests/guests/%.so: ctests/guests/%.S
	@mkdir -p $(@D)
	$(CC) $(GUEST_FLAGS) -o $@ $<

$(BUILD)/ctests/%: ctests/%.c ctests/ctest.h $(HEADERS) lib
	@mkdir -p $(@D)
	$(CC) $(HOST_FLAGS) -pthread -o $@ $< $(HOST_LIBS)

$(BUILD)/ctests/%: ctests/%.cc ctests/ctest.h $(HEADERS) lib
	@mkdir -p $(@D)
	$(CXX) $(CFLAGS) $(WARN) -std=c++11 -pedantic -Iinclude -o $@ $< $(HOST_LIBS)

# The lucet_werror tag compiles the library's C with -Werror (see */werror.go).
vet:
	$(GO) vet -tags lucet_werror ./...
	$(GO) build -tags lucet_werror -o /dev/null ./capi

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "not gofmt-clean: $$out"; exit 1; fi

gotest:
	$(GO) test -tags lucet_werror -count=1 ./...

ctest: lib $(CTESTS) $(GUESTS) $(BUILD)/examples/guest.so
	BUILD=$(BUILD) sh ctests/run.sh $(CTESTS)

header-check:
	CC="$(CC)" CXX="$(CXX)" sh ctests/header_check.sh

ctypes-check: lib $(BUILD)/examples/guest.so
	$(PYTHON) ctests/ctypes_check.py $(BUILD)

install-check: lib $(BUILD)/examples/guest.so
	BUILD=$(BUILD) sh ctests/install_check.sh

test: vet fmt-check gotest ctest header-check ctypes-check install-check

bench: lib
	$(MAKE) -C bench

# ---- install ---------------------------------------------------------------

install: lib
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(LIBDIR)/pkgconfig
	install -m 0755 $(LIB) $(DESTDIR)$(LIBDIR)/
	ln -sf liblucet.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/liblucet.so
	install -m 0644 $(HEADERS) $(DESTDIR)$(INCLUDEDIR)/
	$(PC_SUBST) pkg-config/lucet.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/lucet.pc

clean:
	rm -rf $(BUILD)
