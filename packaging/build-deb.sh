#!/usr/bin/env bash
# Build the Debian package dist/charge-assist-kiosk_<version>-<rev>_<arch>.deb (make deb).
#
# The package carries the project's wheel and, by default, every dependency as a wheel
# for THIS machine's architecture and Debian Python; postinst builds the virtual
# environment /opt/charge-assist-kiosk from them without network access. Build it on the
# kind of system it is for (e.g. on a Pi with Raspberry Pi OS Bookworm for those Pis).
#
#   BUNDLE_WHEELS=0   architecture-independent package without dependency wheels:
#                     postinst fetches them from PyPI (the device needs network then)
#   DEB_REVISION=N    Debian revision (default 1)
#   PYTHON=/usr/bin/python3   the Debian interpreter the venv will use on the device
#
# Also leaves the wheel and sdist in dist/ (python -m build, in a build venv under build/).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
# shellcheck source=lib/pyside-pin.sh
. "$HERE/lib/pyside-pin.sh"

PYTHON="${PYTHON:-/usr/bin/python3}"
BUNDLE_WHEELS="${BUNDLE_WHEELS:-1}"
DEB_REVISION="${DEB_REVISION:-1}"
PKG=charge-assist-kiosk
DIST="$ROOT/dist"
BUILD="$ROOT/build/deb"
BUILD_VENV="$ROOT/build/deb-venv"

log() { printf '==> %s\n' "$*" >&2; }

for tool in dpkg-deb "$PYTHON"; do
    command -v "$tool" >/dev/null || { echo "build-deb: $tool is missing" >&2; exit 1; }
done
"$PYTHON" -c 'import venv, ensurepip' 2>/dev/null \
    || { echo "build-deb: $PYTHON lacks venv/ensurepip (apt-get install python3-venv)" >&2; exit 1; }

VERSION="$("$PYTHON" -c 'import sys, tomllib; print(tomllib.load(open(sys.argv[1], "rb"))["project"]["version"])' "$ROOT/pyproject.toml")"
PYVER="$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
if [ "$BUNDLE_WHEELS" = 1 ]; then ARCH="$(dpkg --print-architecture)"; else ARCH=all; fi
DEB="$DIST/${PKG}_${VERSION}-${DEB_REVISION}_${ARCH}.deb"

# --- 1. wheel and sdist from a clean copy of the work tree -----------------------------
log "build venv ($BUILD_VENV) with the 'build' frontend"
if [ ! -x "$BUILD_VENV/bin/python" ]; then
    "$PYTHON" -m venv "$BUILD_VENV"
fi
"$BUILD_VENV/bin/python" -m pip install -q --upgrade pip build

rm -rf "$BUILD"
mkdir -p "$BUILD/src" "$BUILD/root" "$DIST"
log "copying the source tree"
(
    cd "$ROOT"
    if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        git ls-files -co --exclude-standard
    else
        find . -type f -not -path './.venv/*' -not -path './build/*' -not -path './dist/*' | sed 's#^\./##'
    fi
) | grep -vE '^(\.venv|build|dist|screenshots|corpus)/' | while IFS= read -r f; do
    [ -f "$ROOT/$f" ] && printf '%s\n' "$f"
done | (cd "$ROOT" && tar -cf - -T -) | tar -xf - -C "$BUILD/src"

log "python -m build (wheel + sdist)"
"$BUILD_VENV/bin/python" -m build -q --outdir "$BUILD/dist" "$BUILD/src" >&2
WHEEL="$(ls "$BUILD"/dist/*.whl)"
cp "$BUILD"/dist/* "$DIST/"

# --- 2. package tree -------------------------------------------------------------------
R="$BUILD/root"
SHARE="$R/usr/share/$PKG"
install -d "$SHARE/wheels" "$SHARE/systemd" "$SHARE/lib" "$R/usr/bin" "$R/usr/lib/systemd/system" \
    "$R/etc/$PKG" "$R/etc/pam.d" "$R/usr/share/applications" \
    "$R/usr/share/icons/hicolor/scalable/apps" "$R/usr/share/doc/$PKG" "$R/DEBIAN"

cp "$WHEEL" "$SHARE/wheels/"
REQ="$(pyside_requirement)"
if [ "$BUNDLE_WHEELS" = 1 ]; then
    # the bundled PySide6 wheel is for this machine; without bundled wheels postinst
    # decides on the device (6.8.0.2 on a Bookworm Pi)
    printf '%s\n' "$REQ" > "$SHARE/pyside-requirement.txt"
    log "downloading dependency wheels for $(uname -m), Python $PYVER ($REQ)"
    # the "venue" extra (psycopg, for a venue's shared PostgreSQL journal) is bundled too:
    # one package for a lone kiosk and for the screens of a venue
    mapfile -t VENUE < <("$PYTHON" -c 'import sys, tomllib; print("\n".join(tomllib.load(open(sys.argv[1], "rb"))["project"]["optional-dependencies"]["venue"]))' "$ROOT/pyproject.toml")
    if ! "$BUILD_VENV/bin/python" -m pip download -q --only-binary=:all: -d "$SHARE/wheels" "$WHEEL" "$REQ" "${VENUE[@]}" \
            2> "$BUILD/pip-download.err"; then
        grep -v "is ignored: it is neither a file nor a directory" "$BUILD/pip-download.err" >&2
        echo "build-deb: could not download the dependency wheels (or use BUNDLE_WHEELS=0)" >&2
        exit 1
    fi
fi
# Translations live in resources/ next to the package, which the wheel does not carry
# (see the report to the lead): ship them and link them into the venv at postinst.
if ! "$PYTHON" -c 'import sys, zipfile; sys.exit(not any("resources/locale/" in n for n in zipfile.ZipFile(sys.argv[1]).namelist()))' "$WHEEL"; then
    cp -r "$BUILD/src/resources" "$SHARE/resources"
fi
cp "$HERE/lib/pyside-pin.sh" "$SHARE/lib/"

install -m 0644 "$HERE/systemd/charge-assist-kiosk.service" "$HERE/systemd/charge-assist-kiosk-recovery.service" \
    "$R/usr/lib/systemd/system/"
install -m 0644 "$HERE/systemd/50-restart-backoff.conf" "$SHARE/systemd/"
install -m 0644 "$HERE/pam/charge-assist-kiosk" "$R/etc/pam.d/$PKG"
# a kiosk's keyboard cannot power off, reboot or suspend it, no spare console logins, no SysRq
install -D -m 0644 "$HERE/system/50-charge-assist-kiosk-logind.conf" \
    "$R/usr/lib/systemd/logind.conf.d/50-charge-assist-kiosk.conf"
install -D -m 0644 "$HERE/system/50-charge-assist-kiosk-sysctl.conf" "$R/usr/lib/sysctl.d/50-charge-assist-kiosk.conf"
install -m 0644 "$HERE/etc/kiosk.env" "$HERE/etc/kiosk.toml" "$R/etc/$PKG/"
install -m 0644 "$HERE/desktop/charge-assist-kiosk-attendant.desktop" "$R/usr/share/applications/"
install -m 0644 "$HERE/desktop/charge-assist-kiosk.svg" "$R/usr/share/icons/hicolor/scalable/apps/"
install -m 0644 "$HERE/README.md" "$R/usr/share/doc/$PKG/README.md"
cat > "$R/usr/share/doc/$PKG/copyright" <<'EOF'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: charge-assist-kiosk
License: Proprietary

Files: usr/share/charge-assist-kiosk/wheels/*
Comment: third-party Python wheels under their own licences (see each wheel's metadata)
EOF
install -m 0755 "$HERE/debian/kiosk-wrapper" "$R/usr/bin/kiosk"

for script in postinst prerm postrm; do
    sed -e "s/@VERSION@/$VERSION/g" "$HERE/debian/$script" > "$R/DEBIAN/$script"
    chmod 0755 "$R/DEBIAN/$script"
done
printf '/etc/%s/kiosk.env\n/etc/%s/kiosk.toml\n/etc/pam.d/%s\n' "$PKG" "$PKG" "$PKG" > "$R/DEBIAN/conffiles"

# Depends: the Makefile's lists, derived from what the kiosk loads (packaging/system_libs.py,
# checked by tests/deploy/test_system_packages.py)
DEPENDS="python3 (>= 3.11), $(make -s -C "$ROOT" --no-print-directory print-deb-depends | tr -s ' ' '\n' | grep . | paste -sd, | sed 's/,/, /g')"
SIZE="$(du -sk --exclude=DEBIAN "$R" | cut -f1)"
cat > "$R/DEBIAN/control" <<EOF
Package: $PKG
Version: $VERSION-$DEB_REVISION
Architecture: $ARCH
Maintainer: Charge Assist kiosk team <kiosk@example.invalid>
Installed-Size: $SIZE
Depends: $DEPENDS
Recommends: v4l-utils
Section: misc
Priority: optional
Homepage: https://api-a.greenflux.app
Description: EV-charging kiosk and attendant desk for Charge Assist
 A touchscreen kiosk for EV charging at hotels, malls and parking garages on the
 GreenFlux Charge Assist API, plus the attendant desk for staff PCs.
 .
 Installs a Python virtual environment in /opt/charge-assist-kiosk (built at
 installation from the bundled wheels), the "kiosk" command, the systemd service
 charge-assist-kiosk.service (fullscreen under cage on tty1, not enabled by default)
 with its out-of-order recovery screen, and a desktop entry for the attendant desk.
EOF

# --- 3. build --------------------------------------------------------------------------
log "dpkg-deb --build"
rm -f "$DIST/${PKG}_"*.deb
dpkg-deb --root-owner-group -Zgzip -z1 --build "$R" "$DEB" >&2
log "built $DEB ($(du -h "$DEB" | cut -f1))"
echo "$DEB"
