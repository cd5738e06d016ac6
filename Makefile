# SPDX-License-Identifier: GPL-2.0
#
# Out-of-tree vhost: vhost.ko (the core) and the device modules.
#
#   make [module]      build against KDIR (see below)
#   make install       install under /lib/modules/KVER/updates and depmod
#   make dkms-install  register, build and install through DKMS
#   make check         install what is missing, run every test layer
#   make check-LAYER   one layer: abi, kunit, suites, clients or hostile
#   make demo          boot a VM, load the modules, show a ring round trip
#   make style         checkpatch --strict, sparse (C=2) and W=1 on 6.1 and
#                      6.12, shellcheck
#   make fuzz          the fuzzer in the debug-kernel VM: FUZZ_OPS (default
#                      10^6, about an hour), FUZZ_SECONDS, FUZZ_SEED; then
#                      the line coverage of the run, per file
#   make clean
#
# KDIR defaults to the running kernel's build tree when it exists, else to
# the newest installed Debian linux-headers-*-amd64.

PWD := $(shell pwd)
ifeq ($(origin KDIR),undefined)
  ifneq ($(wildcard /lib/modules/$(shell uname -r)/build),)
    KVER ?= $(shell uname -r)
  else
    KVER ?= $(shell ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | \
		sed 's|.*/linux-headers-||' | sort -V | tail -n 1)
  endif
  KDIR := /lib/modules/$(KVER)/build
else
  KVER ?= $(shell $(MAKE) -s -C $(KDIR) kernelrelease 2>/dev/null)
endif
# The DKMS package version; the modules' own comes from Kbuild (git
# describe in a checkout, else this file).
VERSION := $(shell cat VERSION)

.PHONY: all module modules install dkms-install dkms-remove check demo \
	check-abi check-kunit check-suites check-clients check-hostile \
	style bench fuzz clean

all: module

module modules:
	@echo "building for $(KVER) ($(KDIR))"
	$(MAKE) -C $(KDIR) M=$(PWD) modules

install: module
	$(MAKE) -C $(KDIR) M=$(PWD) INSTALL_MOD_DIR=updates modules_install
	depmod -a $(KVER)

dkms-install:
	rm -rf /usr/src/vhost-oot-$(VERSION)
	mkdir -p /usr/src/vhost-oot-$(VERSION)
	cp -r Kbuild VERSION dkms.conf drivers include /usr/src/vhost-oot-$(VERSION)/
	sed -i 's/^PACKAGE_VERSION=.*/PACKAGE_VERSION="$(VERSION)"/' \
		/usr/src/vhost-oot-$(VERSION)/dkms.conf
	dkms add -m vhost-oot -v $(VERSION) || true
	dkms build -m vhost-oot -v $(VERSION) -k $(KVER)
	dkms install -m vhost-oot -v $(VERSION) -k $(KVER) --force

dkms-remove:
	dkms remove -m vhost-oot -v $(VERSION) --all || true
	rm -rf /usr/src/vhost-oot-$(VERSION)

check:
	tests/check.sh

# One layer of make check (see tests/check.sh).
check-abi check-kunit check-suites check-clients check-hostile:
	VHOST_CHECK_LAYERS=$(@:check-%=%) tests/check.sh

demo:
	scripts/demo.sh

style:
	scripts/style.sh

bench:
	tests/bench/bench.sh

FUZZ_OPS ?= 1000000
FUZZ_SECONDS ?= 0
FUZZ_SEED ?=
fuzz:
	scripts/install-deps.sh
	$(MAKE) -C tests/fuzz
	scripts/build-modules.sh debug $$(tests/vm/build-kernel.sh) VHOST_COVERAGE=1
	rm -rf build/fuzz-coverage
	mkdir -p build/fuzz-coverage
	tests/vm/run-vm --kernel debug --name fuzz --timeout 14400 --out build/fuzz-coverage -- \
		'FUZZ_OPS=$(FUZZ_OPS) FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_SEED=$(FUZZ_SEED) tests/fuzz/run-fuzz.sh build/debug/drivers/vhost; \
		 r=$$?; tests/coverage/collect.sh build/debug/drivers/vhost $$VMOUT/gcov; exit $$r'
	tests/coverage/report.sh build/fuzz-coverage/gcov | tee build/fuzz-coverage/report.txt | \
		grep -E '^# coverage '

clean:
	$(MAKE) -C $(KDIR) M=$(PWD) clean 2>/dev/null || true
	rm -rf build tests/suites/build tests/kunit/build tests/faultinject/build tests/fuzz/build
