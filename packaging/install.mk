# packaging/install.mk - the version, the compiled-in data dir, and the
# install, uninstall and deb targets (docs/INSTALL.md). Included last by the
# Makefile, so every module's variables are known here.
#
#   make [MODE=release] install   [PREFIX=/usr/local] [DESTDIR=/stage] [LIBDIR=...]
#   make uninstall                 (the same PREFIX/DESTDIR as the install)
#   make deb                       stagemock_V_ARCH.deb + stagemock-dev_V_ARCH.deb in build/deb/
#
# Install copies what MODE built (default debug: `make MODE=release install`
# for an optimised install) and never rebuilds in another mode: the only
# object compiled for the install is mock_server/bin/datadir.c, which carries
# the data dir of PREFIX, linked with the build's other objects into
# $(SM_INST)/stagemock. The build tree's own stagemock keeps the source
# tree's conformance/cases compiled in, so it works from any directory.

# --- the version: defined once, in include/stagemock/version.h -------------
sm_version_part = $(shell sed -n 's/^.define SM_VERSION_$(1)  *\([0-9][0-9]*\)$$/\1/p' \
	include/stagemock/version.h)
SM_VERSION_MAJOR := $(call sm_version_part,MAJOR)
SM_VERSION_MINOR := $(call sm_version_part,MINOR)
SM_VERSION_PATCH := $(call sm_version_part,PATCH)
VERSION := $(SM_VERSION_MAJOR).$(SM_VERSION_MINOR).$(SM_VERSION_PATCH)
ifeq ($(words $(SM_VERSION_MAJOR) $(SM_VERSION_MINOR) $(SM_VERSION_PATCH)),3)
else
$(error include/stagemock/version.h: cannot read SM_VERSION_MAJOR/MINOR/PATCH)
endif

# Shared libraries resolve every symbol at link time (-z defs) and record only
# the libraries they use (--as-needed).
SO_LDFLAGS = -Wl,--as-needed -Wl,-z,defs

# --- where things go (GNU names; override on the command line) --------------
PREFIX       = /usr/local
EXEC_PREFIX  = $(PREFIX)
BINDIR       = $(EXEC_PREFIX)/bin
LIBDIR       = $(EXEC_PREFIX)/lib
INCLUDEDIR   = $(PREFIX)/include
DATAROOTDIR  = $(PREFIX)/share
PKGDATADIR   = $(DATAROOTDIR)/stagemock
MANDIR       = $(DATAROOTDIR)/man
DOCDIR       = $(DATAROOTDIR)/doc/stagemock
PKGCONFIGDIR = $(LIBDIR)/pkgconfig
INSTALL      = install
DESTDIR     ?=
# Scratch dir for the installed variant of stagemock (one per data dir, so
# concurrent installs to different prefixes do not share it).
SM_INST     ?= $(B)/install

.PHONY: install uninstall install-files uninstall-files deb deb-build FORCE
FORCE:

# $(call sm_stamp,FILE,TEXT): FILE holds TEXT and is rewritten only when TEXT
# changes, so what depends on it is rebuilt exactly when the text moves.
define sm_stamp
$(1): FORCE
	@mkdir -p $$(@D)
	@printf '%s\n' '$(2)' | cmp -s - $$@ || printf '%s\n' '$(2)' > $$@
endef

# The build tree's stagemock: the source tree's cases.
SM_SRC_CASES := $(CURDIR)/conformance/cases
$(eval $(call sm_stamp,$(B)/paths/source-cases.txt,$(SM_SRC_CASES)))
$(B)/mock_server/bin/datadir.o: $(B)/paths/source-cases.txt
$(B)/mock_server/bin/datadir.o: CPPFLAGS += -DSM_CASES_DIR='"$(SM_SRC_CASES)"'

# The installed stagemock: $(PKGDATADIR)/cases.
$(eval $(call sm_stamp,$(SM_INST)/datadir.txt,$(PKGDATADIR)))
$(SM_INST)/datadir.o: mock_server/bin/datadir.c $(SM_INST)/datadir.txt | build/.deps-build.stamp
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -DSM_CASES_DIR='"$(PKGDATADIR)/cases"' $(CFLAGS) -c -o $@ $<
$(SM_INST)/stagemock: $(filter-out %/datadir.o,$(call obj,$(STAGEMOCK_SRCS))) \
		$(SM_INST)/datadir.o $(ALL_ARCHIVES)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# --- what is installed -------------------------------------------------------
# conform.h and fixtures.h are the program's view of libconform and libpqw,
# which are not installed, so neither are their headers.
SM_HEADERS       := $(filter-out %/conform.h %/fixtures.h,$(wildcard include/stagemock/*.h))
SM_MAN1          := man/stagemock.1 man/stagectl.1
SM_MAN3          := man/libstagemock.3
SM_CASE_FILES    := $(wildcard conformance/cases/*.case)
SM_ADAPTERS      := clients/shell/stagectl.sh clients/python/stagectl.py clients/node/stagectl.mjs
SM_TEST_ADAPTERS := $(wildcard conformance/tests/adapters/*.sh)
SM_CI_DIR        := ci/examples
SM_DOC_FILES     := README.md $(wildcard docs/*.md)
SM_SO_NAMES      := libstagemock libstagemock-client

# Text files with @VERSION@, @PKGDATADIR@, @DOCDIR@, @PREFIX@, @LIBDIR@ and
# @INCLUDEDIR@ filled in on the way to $(DESTDIR).
sm_subst = sed -e 's|@VERSION@|$(VERSION)|g' -e 's|@PKGDATADIR@|$(PKGDATADIR)|g' \
	-e 's|@DOCDIR@|$(DOCDIR)|g' -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
	-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g'

# $(call sm_install_as_is,FILES,DIR): executables stay 0755, the rest 0644.
sm_install_as_is = for f in $(1); do \
	if [ -x "$$f" ]; then m=0755; else m=0644; fi; \
	$(INSTALL) -m $$m "$$f" "$(DESTDIR)$(2)/" || exit 1; done

install: install-files $(INSTALL_EXTRA)
uninstall: uninstall-files $(UNINSTALL_EXTRA)

install-files: deps $(SM_INST)/stagemock $(STAGECTL) $(LIBSM) $(LIBSM_SO) $(LIBSMC) $(LIBSMC_SO)
	@echo "  INSTALL $(DESTDIR)$(PREFIX) (stagemock $(VERSION), $(MODE) build)"
	$(Q)$(INSTALL) -d "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(LIBDIR)" "$(DESTDIR)$(PKGCONFIGDIR)" \
		"$(DESTDIR)$(INCLUDEDIR)/stagemock" "$(DESTDIR)$(MANDIR)/man1" "$(DESTDIR)$(MANDIR)/man3" \
		"$(DESTDIR)$(PKGDATADIR)/cases" "$(DESTDIR)$(PKGDATADIR)/adapters/test" \
		"$(DESTDIR)$(PKGDATADIR)/ci" "$(DESTDIR)$(DOCDIR)"
	$(Q)$(INSTALL) -m 0755 $(SM_INST)/stagemock "$(DESTDIR)$(BINDIR)/stagemock"
	$(Q)$(INSTALL) -m 0755 $(STAGECTL) "$(DESTDIR)$(BINDIR)/stagectl"
	$(Q)for lib in $(SM_SO_NAMES); do \
		$(INSTALL) -m 0644 $(B)/$$lib.so "$(DESTDIR)$(LIBDIR)/$$lib.so.$(VERSION)" && \
		ln -sf $$lib.so.$(VERSION) "$(DESTDIR)$(LIBDIR)/$$lib.so.$(SM_VERSION_MAJOR)" && \
		ln -sf $$lib.so.$(SM_VERSION_MAJOR) "$(DESTDIR)$(LIBDIR)/$$lib.so" && \
		$(INSTALL) -m 0644 $(B)/$$lib.a "$(DESTDIR)$(LIBDIR)/$$lib.a" || exit 1; \
	done
	$(Q)$(INSTALL) -m 0644 $(SM_HEADERS) "$(DESTDIR)$(INCLUDEDIR)/stagemock/"
	$(Q)for pc in stagemock stagemock-client; do \
		$(sm_subst) packaging/$$pc.pc.in > "$(DESTDIR)$(PKGCONFIGDIR)/$$pc.pc" || exit 1; \
		chmod 0644 "$(DESTDIR)$(PKGCONFIGDIR)/$$pc.pc"; \
	done
	$(Q)for m in $(SM_MAN1) $(SM_MAN3); do \
		s=$${m##*.}; $(sm_subst) $$m > "$(DESTDIR)$(MANDIR)/man$$s/$${m##*/}" || exit 1; \
		chmod 0644 "$(DESTDIR)$(MANDIR)/man$$s/$${m##*/}"; \
	done
	$(Q)$(INSTALL) -m 0644 $(SM_CASE_FILES) "$(DESTDIR)$(PKGDATADIR)/cases/"
	$(Q)$(call sm_install_as_is,$(SM_ADAPTERS),$(PKGDATADIR)/adapters)
	$(Q)$(call sm_install_as_is,$(SM_TEST_ADAPTERS),$(PKGDATADIR)/adapters/test)
	$(Q)cd $(SM_CI_DIR) && find . -type f ! -name '*~' | while read -r f; do \
		if [ -x "$$f" ]; then m=0755; else m=0644; fi; \
		$(INSTALL) -D -m $$m "$$f" "$(DESTDIR)$(PKGDATADIR)/ci/$$f" || exit 1; done
	$(Q)$(INSTALL) -m 0644 $(SM_DOC_FILES) "$(DESTDIR)$(DOCDIR)/"

# Removes what install-files put there; the directories that are stagemock's
# alone go whole, shared ones (bin, lib, man1...) stay.
uninstall-files:
	@echo "  UNINSTALL $(DESTDIR)$(PREFIX)"
	$(Q)rm -f "$(DESTDIR)$(BINDIR)/stagemock" "$(DESTDIR)$(BINDIR)/stagectl" \
		"$(DESTDIR)$(PKGCONFIGDIR)/stagemock.pc" "$(DESTDIR)$(PKGCONFIGDIR)/stagemock-client.pc" \
		$(foreach m,$(SM_MAN1),"$(DESTDIR)$(MANDIR)/man1/$(notdir $(m))") \
		$(foreach m,$(SM_MAN3),"$(DESTDIR)$(MANDIR)/man3/$(notdir $(m))")
	$(Q)for lib in $(SM_SO_NAMES); do \
		rm -f "$(DESTDIR)$(LIBDIR)/$$lib.so.$(VERSION)" "$(DESTDIR)$(LIBDIR)/$$lib.so.$(SM_VERSION_MAJOR)" \
			"$(DESTDIR)$(LIBDIR)/$$lib.so" "$(DESTDIR)$(LIBDIR)/$$lib.a"; \
	done
	$(Q)for d in "$(INCLUDEDIR)/stagemock" "$(PKGDATADIR)" "$(DOCDIR)"; do \
		case "$$d" in */stagemock) rm -rf "$(DESTDIR)$$d" ;; \
		*) echo "uninstall: $$d does not end in /stagemock: remove it by hand" >&2 ;; esac; \
	done

# --- the Debian packages -----------------------------------------------------
# `make deb` builds in release mode unless MODE was given on the command line
# (the test suite passes its own MODE, so the packages reuse its objects).
DEB_MODE   = $(if $(filter command line,$(origin MODE)),$(MODE),release)
DEB_OUT   ?= build/deb
DEB_MULTIARCH = $(shell dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null)

deb:
	@$(MAKE) --no-print-directory MODE=$(DEB_MODE) deb-build

deb-build: deps
	@command -v dpkg-deb > /dev/null && command -v dpkg-shlibdeps > /dev/null || \
		{ echo "make deb: needs dpkg-deb and dpkg-shlibdeps (apt-get install dpkg-dev)" >&2; exit 2; }
	rm -rf $(B)/deb-root
	$(MAKE) --no-print-directory install-files DESTDIR=$(abspath $(B))/deb-root PREFIX=/usr \
		LIBDIR=/usr/lib/$(DEB_MULTIARCH) SM_INST=$(B)/deb-obj
	bash packaging/deb.sh $(B)/deb-root $(DEB_OUT) $(VERSION) $(DEB_MULTIARCH)

# The tests of this file (tests/run-all.sh runs them with `make test`).
TEST_SCRIPTS += packaging/tests/install_test.sh packaging/tests/deb_test.sh
