#!/usr/bin/env bash
# Set up a kiosk device: Raspberry Pi OS (Bookworm, Trixie) or Debian/Ubuntu.
#
#   sudo bash packaging/setup-device.sh                    # from the source tree
#   sudo bash packaging/setup-device.sh --deb charge-assist-kiosk_0.1.0-1_arm64.deb
#
# Options:
#   --deb FILE       install this Debian package (apt resolves its dependencies) instead
#                    of installing from the source tree
#   --no-enable      do not enable/start the kiosk service (e.g. an attendant PC)
#   --no-start       enable the service for the next boot but do not start it now
#   --demo           write KIOSK_DEMO=true into kiosk.env (try it without credentials)
#   --dry-run        print what would be done
#   --uninstall      remove what a source-tree setup installed (--purge: also settings,
#                    API key, journal and the kiosk user); a package: apt-get remove/purge
#
# From the source tree it does what the package does: system packages, the "kiosk" user,
# the virtual environment /opt/charge-assist-kiosk with the project (PySide6-Essentials
# 6.8.0.2 on 64-bit Bookworm, whose glibc 2.36 newer aarch64 wheels cannot use), units,
# PAM file, settings files, /usr/bin/kiosk, desktop entry. On a Pi it also turns console
# blanking off and boots to the console (the kiosk service takes tty1).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
# shellcheck source=lib/pyside-pin.sh
. "$HERE/lib/pyside-pin.sh"

PKG=charge-assist-kiosk
VENV=/opt/$PKG
ETC=/etc/$PKG
DEB=""
ENABLE=1
START=1
DEMO=0
DRY=0
UNINSTALL=0
PURGE=0

while [ $# -gt 0 ]; do
    case "$1" in
        --deb) DEB="$(realpath "$2")"; shift 2 ;;
        --no-enable) ENABLE=0; START=0; shift ;;
        --no-start) START=0; shift ;;
        --demo) DEMO=1; shift ;;
        --dry-run) DRY=1; shift ;;
        --uninstall) UNINSTALL=1; shift ;;
        --purge) UNINSTALL=1; PURGE=1; shift ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        *) echo "setup-device: unknown option $1" >&2; exit 2 ;;
    esac
done

run() { echo "+ $*"; if [ "$DRY" = 0 ]; then "$@"; fi; }
say() { printf '==> %s\n' "$*"; }

if [ "$(id -u)" != 0 ] && [ "$DRY" = 0 ]; then
    echo "setup-device: run as root (sudo)" >&2
    exit 1
fi

if [ "$UNINSTALL" = 1 ]; then
    if dpkg-query -W -f='${Status}' $PKG 2>/dev/null | grep -q "ok installed"; then
        echo "setup-device: $PKG is installed as a package: apt-get remove (or purge) $PKG" >&2
        exit 1
    fi
    if [ -d /run/systemd/system ]; then
        run systemctl disable --now $PKG.service $PKG-recovery.service || true
    fi
    run rm -rf "$VENV" /etc/systemd/system/$PKG.service /etc/systemd/system/$PKG-recovery.service \
        /etc/systemd/system/$PKG.service.d /etc/pam.d/$PKG /usr/bin/kiosk /usr/share/$PKG \
        /usr/lib/systemd/logind.conf.d/50-charge-assist-kiosk.conf /usr/lib/sysctl.d/50-charge-assist-kiosk.conf \
        /usr/share/applications/$PKG-attendant.desktop /usr/share/icons/hicolor/scalable/apps/$PKG.svg
    if [ "$PURGE" = 1 ]; then
        run rm -rf "$ETC" /var/lib/$PKG /var/log/$PKG
        if getent passwd kiosk >/dev/null; then run userdel kiosk; fi
        if getent group kiosk >/dev/null; then run groupdel kiosk || true; fi
    fi
    if [ -d /run/systemd/system ]; then run systemctl daemon-reload; fi
    exit 0
fi

# --- what are we on ----------------------------------------------------------------------
. /etc/os-release
MACHINE="$(uname -m)"
GLIBC="$(glibc_version)"
REQ="$(pyside_requirement "$MACHINE" "$GLIBC")"
IS_PI=0
if grep -qi "raspberry pi" /proc/device-tree/model 2>/dev/null; then IS_PI=1; fi
say "$PRETTY_NAME on $MACHINE, glibc $GLIBC, Raspberry Pi: $([ $IS_PI = 1 ] && echo yes || echo no) -> $REQ"

# --- install -------------------------------------------------------------------------------
export DEBIAN_FRONTEND=noninteractive
run apt-get update -q
if [ -n "$DEB" ]; then
    say "installing $DEB"
    run apt-get install -y -q "$DEB"
else
    say "system packages"
    run apt-get install -y -q python3 python3-venv cage xwayland dbus libpam-systemd procps \
        libzbar0 libegl1 libgl1 libopengl0 libglib2.0-0 libxkbcommon0 libfontconfig1 libfreetype6 \
        libdbus-1-3 libwayland-client0 libwayland-cursor0 libwayland-egl1 fonts-dejavu-core \
        libxcb-cursor0 v4l-utils
    say "kiosk user"
    if ! getent passwd kiosk >/dev/null; then
        run useradd --system --user-group --home-dir /var/lib/$PKG --no-create-home \
            --shell /usr/sbin/nologin --comment "Charge Assist kiosk" kiosk
    fi
    for g in video render input; do
        if getent group "$g" >/dev/null; then run usermod -a -G "$g" kiosk; fi
    done
    run install -d -o kiosk -g kiosk -m 0700 /var/lib/$PKG
    run install -d -o kiosk -g kiosk -m 0750 /var/log/$PKG

    say "virtual environment $VENV ($REQ)"
    run rm -rf "$VENV"
    run /usr/bin/python3 -m venv "$VENV"
    run "$VENV/bin/python" -m pip install -q --upgrade pip
    run "$VENV/bin/python" -m pip install -q "$ROOT" "$REQ"
    # translations live in resources/ next to the package; the wheel does not carry them
    if [ "$DRY" = 0 ]; then
        site="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
        if [ ! -d "$site/resources/locale" ]; then
            install -d /usr/share/$PKG
            rm -rf /usr/share/$PKG/resources
            cp -r "$ROOT/resources" /usr/share/$PKG/resources
            ln -sfn /usr/share/$PKG/resources "$site/resources"
        fi
    fi

    say "service, PAM, settings, command, desktop entry"
    run install -m 0644 "$HERE/systemd/$PKG.service" "$HERE/systemd/$PKG-recovery.service" /etc/systemd/system/
    sd_version="$(systemctl --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p')"
    if [ "${sd_version:-0}" -ge 254 ]; then
        run install -d /etc/systemd/system/$PKG.service.d
        run install -m 0644 "$HERE/systemd/50-restart-backoff.conf" /etc/systemd/system/$PKG.service.d/
    fi
    run install -m 0644 "$HERE/pam/$PKG" /etc/pam.d/$PKG
    # the keyboard cannot power off or reboot the kiosk, no spare console logins, no SysRq
    run install -D -m 0644 "$HERE/system/50-charge-assist-kiosk-logind.conf" \
        /usr/lib/systemd/logind.conf.d/50-charge-assist-kiosk.conf
    run install -D -m 0644 "$HERE/system/50-charge-assist-kiosk-sysctl.conf" /usr/lib/sysctl.d/50-charge-assist-kiosk.conf
    run sysctl -q -p /usr/lib/sysctl.d/50-charge-assist-kiosk.conf || true
    run install -d -m 0755 "$ETC"
    for f in kiosk.env kiosk.toml; do
        [ -e "$ETC/$f" ] || run install -m 0644 "$HERE/etc/$f" "$ETC/$f"
    done
    if [ ! -e "$ETC/api_key" ]; then run install -m 0600 /dev/null "$ETC/api_key"; fi
    run install -m 0755 "$HERE/debian/kiosk-wrapper" /usr/bin/kiosk
    run install -m 0644 "$HERE/desktop/$PKG-attendant.desktop" /usr/share/applications/
    run install -D -m 0644 "$HERE/desktop/$PKG.svg" /usr/share/icons/hicolor/scalable/apps/$PKG.svg
fi

if [ "$DEMO" = 1 ] && ! grep -q '^KIOSK_DEMO=' "$ETC/kiosk.env" 2>/dev/null; then
    say "demo mode"
    [ "$DRY" = 1 ] || echo "KIOSK_DEMO=true" >> "$ETC/kiosk.env"
fi

# --- the device: no blanking, console boot, clock ------------------------------------------
if [ "$IS_PI" = 1 ]; then
    CMDLINE=/boot/firmware/cmdline.txt
    [ -f "$CMDLINE" ] || CMDLINE=/boot/cmdline.txt
    if [ -f "$CMDLINE" ] && ! grep -q "consoleblank=0" "$CMDLINE"; then
        say "console blanking off ($CMDLINE)"
        run sed -i '1s/$/ consoleblank=0/' "$CMDLINE"
    fi
fi
if [ "$ENABLE" = 1 ]; then
    # the kiosk owns tty1: no desktop session competing for the display
    if systemctl is-enabled display-manager.service >/dev/null 2>&1; then
        say "desktop login off (the kiosk replaces the desktop on this device)"
        run systemctl disable display-manager.service
    fi
    # a Pi has no real-time clock: time-sync.target must mean "NTP has set the clock"
    if systemctl list-unit-files systemd-timesyncd.service >/dev/null 2>&1; then
        run systemctl enable systemd-timesyncd.service systemd-time-wait-sync.service || true
    fi
fi

RUNNING=0
if [ -d /run/systemd/system ]; then RUNNING=1; run systemctl daemon-reload; fi
if [ "$ENABLE" = 1 ]; then
    say "enabling $PKG.service"
    run systemctl enable $PKG.service
    run systemctl set-default graphical.target
    if [ "$START" = 1 ] && [ "$RUNNING" = 1 ]; then run systemctl restart $PKG.service || true; fi
fi

cat <<EOF

Done. Next steps (packaging/README.md):
  1. API key:   sudo install -m 0600 /dev/stdin $ETC/api_key   (paste the key, Ctrl+D)
  2. Settings:  sudo nano $ETC/kiosk.env
  3. Check:     sudo systemd-run --pty --wait --collect --uid=kiosk \\
                  -p LoadCredential=kiosk_api_key:$ETC/api_key -p EnvironmentFile=-$ETC/kiosk.env \\
                  -E KIOSK_CONFIG=$ETC/kiosk.toml -E KIOSK_DATA_DIR=/var/lib/$PKG /usr/bin/kiosk doctor
  4. Restart:   sudo systemctl restart $PKG ; logs: journalctl -u $PKG -f
EOF
