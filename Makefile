# Two commands for a new user: `make demo` and `make test`. Both bootstrap what they need:
# Debian packages (when missing and apt-get is usable), a virtual environment in .venv,
# and the project with its test extras installed into it.
SHELL := /bin/bash
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# Debian packages, derived from what the kiosk actually loads (packaging/system_libs.py
# maps every library to its package; tests/deploy/test_system_packages.py fails when one
# comes from a package that neither a minimal Debian 12 nor these lists provide).
# Runtime, desktop and Pi alike: zbar for pyzbar; EGL/GL, xkbcommon, fontconfig, dbus and a
# font for Qt; the libraries of Qt's xcb platform plugin (X11 or Xvfb; Qt 6.5+ also
# dlopens xcb-cursor); python3-venv for `python3 -m venv` on Debian's own Python; CUPS's
# client library for the attendant desktop's printing (Qt's cups print-support plugin).
DEB_PACKAGES := libcups2 libzbar0 libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 fonts-dejavu-core libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xkb1 libxkbcommon-x11-0 libx11-xcb1
# What the packaged kiosk needs on a Pi beyond that (the .deb's Depends, with DEB_PACKAGES):
# Qt's wayland and eglfs platforms, and cage, systemd and PAM for the kiosk service.
DEB_PI_PACKAGES := python3-venv libwayland-client0 libwayland-cursor0 libwayland-egl1 libopengl0 libglib2.0-0 libfreetype6 cage xwayland systemd dbus libpam-systemd passwd procps
# Screenshots and a real window without a display need a virtual one.
DEB_DEMO_PACKAGES := xvfb
# The tests also press real keys on a virtual display, verify the systemd units, validate
# the desktop entry, and check the Pi's libraries (so those are installed to be resolved);
# poppler's pdftotext reads back the attendant desktop's printed receipts; the journal's
# tests and the venue demo start a throwaway PostgreSQL (initdb, postgres).
DEB_TEST_PACKAGES := xvfb xdotool systemd desktop-file-utils poppler-utils libwayland-client0 libwayland-cursor0 libwayland-egl1 postgresql

.PHONY: demo demo-venue test test-fast bench deb test-deploy system-deps print-deb-depends lint clean help

help:
	@echo "make demo         run the kiosk in demo mode against the built-in simulator"
	@echo "make demo-venue   two kiosks and a desk of one venue on a local PostgreSQL and the simulator"
	@echo "make test         run the test suite (what CI runs)"
	@echo "make bench        run the benchmarks in bench/ (prints JSON)"
	@echo "make deb          build the Debian package into dist/"
	@echo "make test-deploy  build, install and start the package under headless cage"

system-deps:
	@missing=""; pkgs="$(DEB_PACKAGES) $(EXTRA_DEB)"; \
	$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || pkgs="$$pkgs python3-venv"; \
	for p in $$pkgs; do \
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

# Two kiosks (lobby, garage) and the attendant desk (reception) sharing one journal on a
# throwaway local PostgreSQL, over the simulator (kiosk/deploy/demo_venue.py).
demo-venue: $(STAMP)
	@$(MAKE) --no-print-directory system-deps EXTRA_DEB="$(DEB_DEMO_PACKAGES) postgresql"
	$(PY) -m kiosk.deploy.demo_venue $(DEMO_ARGS)

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

# The .deb's Depends (packaging/build-deb.sh reads it from here).
print-deb-depends:
	@echo $(DEB_PACKAGES) $(DEB_PI_PACKAGES)

lint: $(STAMP)
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .hypothesis
