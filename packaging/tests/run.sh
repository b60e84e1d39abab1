#!/usr/bin/env bash
# make test-deploy: build the Debian package, then run every deployment test including the
# slow ones that install it on this machine (root), run its service command under headless
# cage and remove it again. Installs cage, xwayland and grim from Debian when missing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
PY="${PY:-.venv/bin/python}"

if [ "$(id -u)" != 0 ]; then
    echo "test-deploy installs a Debian package: run it as root (sudo make test-deploy)" >&2
    exit 1
fi
missing=""
for p in cage xwayland grim systemd xvfb xdotool; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "==> apt-get install$missing"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi

DEB="$(bash packaging/build-deb.sh | tail -n1)"
echo "==> testing $DEB"
KIOSK_TEST_DEPLOY=1 KIOSK_TEST_DEB="$DEB" QT_QPA_PLATFORM=offscreen \
    "$PY" -m pytest tests/deploy -p no:xdist -p no:cacheprovider -v -rs "$@"
