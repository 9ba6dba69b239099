#!/bin/sh
# Builds a minimal Fluent Bit (in_splunk and out_null, nothing else) for the collector bench, once.
#
# The source is never fetched from the network here: it comes from $FLUENTBIT_SRC (a checked-out
# source tree), or else from the git mirror the project's search tool leaves at
# $FLUENTBIT_MIRROR (default /work/.mirror/fluent+fluent-bit/repo), exported with `git archive`.
# Everything lands in bench/.fluentbit/ (git-ignored); the binary is bench/.fluentbit/bin/fluent-bit.
# Prints the binary's path on its last line and exits 0, or says why it cannot and exits 1 -
# bench_collector.py then skips the Fluent Bit rows with that reason.
#
#   sh bench/fluentbit.sh            # build when missing
#   FLUENTBIT_JOBS=1 sh bench/fluentbit.sh
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out="$here/.fluentbit"
binary="$out/bin/fluent-bit"
jobs="${FLUENTBIT_JOBS:-2}"
mirror="${FLUENTBIT_MIRROR:-/work/.mirror/fluent+fluent-bit/repo}"

if [ -x "$binary" ]; then
    echo "$binary"
    exit 0
fi

fail() {
    echo "fluent-bit: $*" >&2
    exit 1
}

packages="cmake flex bison build-essential pkg-config libyaml-dev libssl-dev libsqlite3-dev"
have_all() {
    for tool in cmake make cc c++ flex bison pkg-config; do
        command -v "$tool" >/dev/null 2>&1 || return 1
    done
    pkg-config --exists sqlite3 yaml-0.1 openssl
}
if ! have_all; then
    # The build's own dependencies are Debian packages; install them when we may, say so when we may not.
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        apt-get install -y $packages >&2 || { apt-get update >&2 && apt-get install -y $packages >&2; } \
            || fail "could not install the build tools ($packages)"
    fi
    have_all || fail "build tools missing: install $packages"
fi

mkdir -p "$out"
if [ -n "${FLUENTBIT_SRC:-}" ]; then
    src="$FLUENTBIT_SRC"
    [ -f "$src/CMakeLists.txt" ] || fail "FLUENTBIT_SRC=$src holds no CMakeLists.txt"
else
    src="$out/src"
    if [ ! -f "$src/CMakeLists.txt" ]; then
        [ -d "$mirror" ] || fail "no source: set FLUENTBIT_SRC to a Fluent Bit source tree, or FLUENTBIT_MIRROR to a git dir of github.com/fluent/fluent-bit ($mirror is missing)"
        rm -rf "$src" && mkdir -p "$src"
        # A mirror snapshot may lack its largest blobs (the SQLite amalgamation, which the system's
        # libsqlite3 replaces): they are left out of a throwaway index, and the rest is checked out from it.
        index="$out/export.index"
        rm -f "$index"
        GIT_INDEX_FILE="$index" git --git-dir="$mirror" read-tree HEAD || fail "cannot read HEAD of $mirror"
        git --git-dir="$mirror" ls-tree -r HEAD | awk '{print $3}' | git --git-dir="$mirror" cat-file --batch-check \
            | awk '$2 == "missing" {print $1}' >"$out/missing.txt"
        git --git-dir="$mirror" ls-tree -r HEAD | awk 'NR == FNR {gone[$1]; next} $3 in gone {print $4}' "$out/missing.txt" - \
            | while read -r path; do GIT_INDEX_FILE="$index" git --git-dir="$mirror" update-index --force-remove -- "$path"; done
        GIT_INDEX_FILE="$index" git --git-dir="$mirror" checkout-index -a --prefix="$src/" \
            || fail "could not export the source from $mirror"
        rm -f "$index"
    fi
fi

# FLB_MINIMAL turns every plugin off; the two the bench uses come back on. The rest are features
# in_splunk does not need and that take most of the build time (LuaJIT, WASM, Kafka, the stream processor).
# AWS, SigV4 and the SQL DB stay on: without them src/flb_http_client.c and src/flb_blob_db.c do not
# compile (Fluent Bit 5.1). SQLite is the system's, since a mirror snapshot may lack the amalgamation.
build="$out/build"
mkdir -p "$build"
(
    cd "$build"
    cmake "$src" \
        -DCMAKE_BUILD_TYPE=Release -DFLB_RELEASE=On -DFLB_DEBUG=Off \
        -DFLB_MINIMAL=On -DFLB_IN_SPLUNK=On -DFLB_OUT_NULL=On \
        -DFLB_LUAJIT=Off -DFLB_WASM=Off -DFLB_KAFKA=Off -DFLB_ZIG=Off -DFLB_STREAM_PROCESSOR=Off \
        -DFLB_AVRO_ENCODER=Off -DFLB_ARROW=Off -DFLB_PROXY_GO=Off \
        -DFLB_CUSTOM_CALYPTIA=Off -DFLB_BACKTRACE=Off -DFLB_EXAMPLES=Off -DFLB_SHARED_LIB=Off \
        -DFLB_TESTS_RUNTIME=Off -DFLB_TESTS_INTERNAL=Off -DFLB_CHUNK_TRACE=Off -DFLB_RIPSER=Off \
        -DFLB_SQLDB=On -DFLB_PREFER_SYSTEM_LIB_SQLITE=On \
        >"$out/cmake.log" 2>&1 || fail "cmake failed, see $out/cmake.log"
    make -j"$jobs" fluent-bit-bin >"$out/make.log" 2>&1 || fail "make failed, see $out/make.log"
) || exit 1
mkdir -p "$out/bin"
cp "$build/bin/fluent-bit" "$binary"
echo "$binary"
