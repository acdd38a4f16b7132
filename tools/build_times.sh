#!/usr/bin/env bash
# Build times of two commits, measured one after the other on this machine:
# a cold `cargo build --release`, the rebuild after touching one file of the
# IMAP front, the test build (`cargo test --release --no-run`) after that,
# and the test rebuild after touching the same file again. Each commit gets
# its own empty target directory; crates must already be downloaded
# (`cargo fetch`). Nothing else should run meanwhile.
#
# Usage: tools/build_times.sh BEFORE AFTER [IMAP_FILE]
#   e.g. tools/build_times.sh be2d19e HEAD src/imap/fetch.rs
set -euo pipefail
before=${1:?usage: tools/build_times.sh BEFORE AFTER [IMAP_FILE]}
after=${2:?usage: tools/build_times.sh BEFORE AFTER [IMAP_FILE]}
touched=${3:-src/imap/fetch.rs}
repo=$(git rev-parse --show-toplevel)
work=$(mktemp -d /tmp/graphgate-build-times.XXXXXX)
trap 'git -C "$repo" worktree remove --force "$work/before" 2>/dev/null; git -C "$repo" worktree remove --force "$work/after" 2>/dev/null; rm -rf "$work"' EXIT

seconds() {
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1
    end=$(date +%s%N)
    awk -v ns=$((end - start)) 'BEGIN { printf "%.1f", ns / 1e9 }'
}

measure() {
    local name=$1 commit=$2 dir="$work/$1"
    git -C "$repo" worktree add --detach -q "$dir" "$commit"
    export CARGO_TARGET_DIR="$dir/target"
    cd "$dir"
    local cold touch tests retest bins
    cold=$(seconds cargo build --release --offline)
    touch "$touched"
    touch=$(seconds cargo build --release --offline)
    tests=$(seconds cargo test --release --offline --no-run)
    touch "$touched"
    retest=$(seconds cargo test --release --offline --no-run)
    bins=$(cargo test --release --offline --no-run 2>&1 | grep -c Executable)
    printf '%-7s %-12s cold build %7.1f s | rebuild after touching %s %6.1f s | test build %6.1f s | test rebuild after touching it %6.1f s | %s test and unit binaries\n' \
        "$name" "$(git rev-parse --short "$commit")" "$cold" "$touched" "$touch" "$tests" "$retest" "$bins"
    cd "$repo"
}

echo "$(nproc) cores, $(rustc --version)"
measure before "$before"
measure after "$after"
