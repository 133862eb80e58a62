#!/bin/sh
# sanitizer-builds.sh: build and test the tree again under ASan+UBSan and
# under TSan, each in its own copy (build-san/<name>/) so the main
# build's configuration is untouched.  Run by `make check-all`.
#
#   t/sanitizer-builds.sh [asan] [tsan]     (default: both)
#
# Exits non-zero if a build or a test fails.  clang is used because its
# sanitizer runtimes are the ones Debian ships with libclang-rt.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
variants=${*:-asan tsan}

copy_tree() {
    dest=$1
    rm -rf "$dest"
    mkdir -p "$dest"
    # The tracked and new (non-ignored) files, as a fresh clone has them.
    if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
        git -C "$top" ls-files -co --exclude-standard -z |
            (cd "$top" && xargs -0 tar -cf - --no-recursion) |
            (cd "$dest" && tar -xf -)
    else
        (cd "$top" && tar -cf - --exclude=./build-san .) |
            (cd "$dest" && tar -xf -)
    fi
}

for v in $variants; do
    case $v in
        asan) flags=--enable-sanitizers ;;
        tsan) flags=--enable-tsan ;;
        *) echo "sanitizer-builds.sh: unknown variant $v" >&2; exit 2 ;;
    esac
    dir=$top/build-san/$v
    echo "== $v: building in $dir"
    copy_tree "$dir"
    (cd "$dir" && autoreconf -fi >/dev/null 2>&1 &&
        ./configure -q CC=clang $flags --enable-werror >/dev/null &&
        make -s -j2 >/dev/null)
    echo "== $v: make check"
    (cd "$dir" && make -s check)
done
