# Sourced by setup-device.sh, build-deb.sh and the package's postinst.
#
# PySide6 wheels for aarch64 need glibc 2.39 from 6.8.1 on (manylinux_2_39), so Raspberry
# Pi OS / Debian Bookworm on a 64-bit Pi (glibc 2.36) can only use PySide6-Essentials
# 6.8.0.2. Everywhere else the newest release is used.
#
# pyside_requirement [machine] [glibc-version] -> prints a pip requirement
pyside_requirement() {
    local machine="${1:-$(uname -m)}"
    local glibc="${2:-$(glibc_version)}"
    case "$machine" in
        aarch64|arm64)
            if version_lt "$glibc" 2.39; then
                echo "PySide6-Essentials==6.8.0.2"
                return
            fi ;;
    esac
    echo "PySide6-Essentials"
}

# glibc_version -> e.g. 2.36 (from `ldd --version`, else getconf)
glibc_version() {
    local v
    v="$(ldd --version 2>/dev/null | head -n1 | grep -oE '[0-9]+\.[0-9]+' | tail -n1)"
    if [ -z "$v" ]; then
        v="$(getconf GNU_LIBC_VERSION 2>/dev/null | grep -oE '[0-9]+\.[0-9]+' | tail -n1)"
    fi
    echo "${v:-0.0}"
}

# version_lt A B -> true when version A sorts before B
version_lt() {
    [ "$1" != "$2" ] && [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1)" = "$1" ]
}
