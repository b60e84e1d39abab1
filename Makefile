# Two commands for a new user: `make demo` and `make test`. Both bootstrap what they need:
# Debian packages (when missing and apt-get is usable), a virtual environment in .venv,
# and the project with its test extras installed into it.
SHELL := /bin/bash
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# Runtime libraries the Python wheels do not bring: zbar for pyzbar, EGL/GL, xkbcommon,
# fontconfig and a font for Qt, dbus for Qt's platform glue.
DEB_PACKAGES := libzbar0 libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 fonts-dejavu-core
# Screenshots and a real window without a display need a virtual one.
DEB_DEMO_PACKAGES := xvfb
# The tests also press real keys on a virtual display, verify the systemd units and
# validate the desktop entry.
DEB_TEST_PACKAGES := xvfb xdotool systemd desktop-file-utils

.PHONY: demo test test-fast bench deb test-deploy system-deps lint clean help

help:
	@echo "make demo         run the kiosk in demo mode against the built-in simulator"
	@echo "make test         run the test suite (what CI runs)"
	@echo "make bench        run the benchmarks in bench/ (prints JSON)"
	@echo "make deb          build the Debian package into dist/"
	@echo "make test-deploy  build, install and start the package under headless cage"

system-deps:
	@missing=""; for p in $(DEB_PACKAGES) $(EXTRA_DEB); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then SUDO=""; \
	  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO="sudo"; \
	  else echo "note: missing Debian packages:$$missing (install them with apt-get; continuing)"; exit 0; fi; \
	  echo "installing Debian packages:$$missing"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null \
	    || echo "note: apt-get could not install$$missing; continuing"; \
	fi

$(STAMP): pyproject.toml
	@$(MAKE) --no-print-directory system-deps
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	@touch $@

demo: $(STAMP)
	@$(MAKE) --no-print-directory system-deps EXTRA_DEB="$(DEB_DEMO_PACKAGES)"
	$(VENV)/bin/kiosk demo

test: $(STAMP)
	@$(MAKE) --no-print-directory system-deps EXTRA_DEB="$(DEB_TEST_PACKAGES)"
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -n 2 --dist loadgroup -q $(PYTEST_ARGS)

test-fast: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -x -m "not slow" $(PYTEST_ARGS)

bench: $(STAMP)
	@for b in bench/*.py; do echo "== $$b"; QT_QPA_PLATFORM=offscreen $(PY) $$b || exit 1; done

deb: $(STAMP)
	bash packaging/build-deb.sh

test-deploy: $(STAMP)
	bash packaging/tests/run.sh

lint: $(STAMP)
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .hypothesis
