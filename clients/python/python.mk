# clients/python/python.mk - the Python package (clients/python: the ctypes
# binding `stagemock` and its pytest plugin) installed for the system Python:
#
#   make install-python   [PREFIX=/usr/local] [DESTDIR=...] [PYTHON=/usr/bin/python3]
#   make uninstall-python (the same PREFIX/DESTDIR)
#
# Both also run as part of `make install` / `make uninstall` (INSTALL_EXTRA).
# pip builds the package offline with the system's setuptools (no build
# isolation, no index) from a copy in $(B)/python-src, so the source tree gets
# no build/ or egg-info, and installs it with --target into the folder that
# Python searches for PREFIX: on Debian /usr/lib/python3/dist-packages for
# /usr and PREFIX/lib/pythonX.Y/dist-packages otherwise; elsewhere sysconfig's
# purelib. PYTHON_SITEDIR overrides the folder. No pip: a message, nothing else.
PYTHON ?= /usr/bin/python3
PYTHON_SITEDIR = $(shell $(PYTHON) -c 'import sys, sysconfig; p = sys.argv[1]; \
	debian = any(x.endswith("/dist-packages") for x in sys.path); \
	print((p + "/lib/python3/dist-packages" if p == "/usr" else \
	"%s/lib/python%d.%d/dist-packages" % (p, sys.version_info[0], sys.version_info[1])) \
	if debian else sysconfig.get_path("purelib", "posix_prefix", {"base": p, "platbase": p}))' \
	'$(or $(PREFIX),/usr/local)')
PY_PKG_FILES := clients/python/pyproject.toml clients/python/README.md \
	$(wildcard clients/python/stagemock/*.py)

INSTALL_EXTRA   += install-python
UNINSTALL_EXTRA += uninstall-python
.PHONY: install-python uninstall-python

install-python: $(PY_PKG_FILES)
	@if ! $(PYTHON) -m pip --version >/dev/null 2>&1; then \
	  echo "install-python: $(PYTHON) has no pip (apt-get install python3-pip):" \
	    "the Python package is not installed" >&2; exit 0; fi; \
	site='$(DESTDIR)$(PYTHON_SITEDIR)'; \
	rm -rf $(B)/python-src && mkdir -p $(B)/python-src/stagemock && \
	cp clients/python/pyproject.toml clients/python/README.md $(B)/python-src/ && \
	cp clients/python/stagemock/*.py $(B)/python-src/stagemock/ && \
	echo "  PIP     stagemock -> $$site" && \
	$(PYTHON) -m pip install --quiet --no-build-isolation --no-deps --no-index --no-compile \
	  --no-cache-dir --root-user-action=ignore --disable-pip-version-check --upgrade \
	  --target "$$site" $(B)/python-src && \
	rm -rf $(B)/python-src

uninstall-python:
	rm -rf '$(DESTDIR)$(PYTHON_SITEDIR)/stagemock' '$(DESTDIR)$(PYTHON_SITEDIR)'/stagemock-*.dist-info
