#!/bin/sh
# bootstrap.sh: from a fresh Debian machine (as root) to a built tree.
#
#   ./bootstrap.sh [configure args...]     e.g. ./bootstrap.sh --enable-sanitizers
#
# 1. apt-installs what the build and tests need, but only packages that are
#    missing (so a second run makes no network calls);
# 2. stops and disables the memcached service that Debian's package starts,
#    so it does not hold port 11211;
# 3. runs autoreconf only when configure is missing or older than its inputs,
#    configure only when config.status is missing or older than configure,
#    or when arguments are given that differ from the recorded ones;
# 4. runs make.
set -eu

cd "$(dirname "$0")"

PACKAGES="build-essential autoconf automake pkg-config libevent-dev perl
python3 python3-memcache python3-pymemcache python3-pytest
libmemcached-tools memcached clang valgrind netcat-openbsd procps
python3-pylibmc ruby ruby-dalli libsasl2-dev libsasl2-modules sasl2-bin
libclang-rt-14-dev"

missing=""
for p in $PACKAGES; do
    st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$st" in
        *"install ok installed"*) ;;
        *) missing="$missing $p" ;;
    esac
done

if [ -n "$missing" ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "bootstrap.sh: missing packages:$missing (run as root)" >&2
        exit 1
    fi
    echo "bootstrap.sh: installing$missing"
    # Keep the memcached package from starting its service while we install.
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    # shellcheck disable=SC2086
    apt-get install -y -q --no-install-recommends $missing </dev/null
    rm -f /usr/sbin/policy-rc.d
    trap - EXIT
fi

# A system memcached (started before we got here) would hold port 11211.
if [ "$(id -u)" -eq 0 ] && [ -x /etc/init.d/memcached ]; then
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
        systemctl disable --now memcached >/dev/null 2>&1 || true
    else
        service memcached stop >/dev/null 2>&1 || true
        update-rc.d memcached disable >/dev/null 2>&1 || true
    fi
fi

newer() {   # newer A B...: true if any B is newer than A, or A is missing
    target=$1; shift
    [ -e "$target" ] || return 0
    for f in "$@"; do
        [ "$f" -nt "$target" ] && return 0
    done
    return 1
}

if newer configure configure.ac Makefile.am || [ ! -e Makefile.in ]; then
    echo "bootstrap.sh: autoreconf -fi"
    autoreconf -fi
fi

# With no arguments an existing configuration is kept; with arguments we
# reconfigure only if they differ from what config.status recorded.
# (Compared without quotes: good enough, a false mismatch only costs a run.)
if newer config.status configure ||
   { [ $# -gt 0 ] &&
     [ "$(./config.status --config | tr -d "'")" != "$*" ]; }; then
    echo "bootstrap.sh: ./configure $*"
    ./configure "$@"
fi

make -j"$(nproc 2>/dev/null || echo 2)"
