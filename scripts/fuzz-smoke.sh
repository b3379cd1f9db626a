#!/usr/bin/env bash
# Builds spillway's cargo-fuzz targets (fuzz/) with the nightly toolchain and runs
# each one briefly from its committed seeds. Exits non-zero when a target crashes
# (the reproducer is left in fuzz/artifacts/<target>/).
#
# Environment:
#   FUZZ_SECONDS    seconds per target (default 20)
#   FUZZ_TARGETS    space-separated targets (default: all of `cargo fuzz list`)
#   FUZZ_SANITIZER  cargo-fuzz sanitizer (default none: the code is safe Rust, and
#                   overflow and debug assertions are on either way)
#   FUZZ_ARGS       extra libFuzzer flags, e.g. "-fork=2 -ignore_crashes=1" to keep
#                   going past known crashes (each is still written to artifacts/)
#
# Reproduce a crash:  cargo +nightly fuzz run -s none <target> fuzz/artifacts/<target>/<file>
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
seconds="${FUZZ_SECONDS:-20}"
sanitizer="${FUZZ_SANITIZER:-none}"

if ! cargo +nightly --version >/dev/null 2>&1; then
    echo "fuzz-smoke: a nightly toolchain is required (rustup toolchain install nightly)" >&2
    exit 2
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "fuzz-smoke: installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked
fi

targets="${FUZZ_TARGETS:-$(cargo +nightly fuzz list)}"
cargo +nightly fuzz build -s "$sanitizer"

failed=()
for t in $targets; do
    corpus="fuzz/corpus/$t"
    mkdir -p "$corpus"
    # Seeds are committed under fuzz/seeds/ (fuzz/corpus/ is ignored by git); add
    # those the corpus lacks, as plain writable files.
    for f in "fuzz/seeds/$t"/*; do
        if [ -f "$f" ] && [ ! -e "$corpus/${f##*/}" ]; then
            cat "$f" >"$corpus/${f##*/}"
        fi
    done
    echo "fuzz-smoke: $t for ${seconds}s" >&2
    if ! cargo +nightly fuzz run -s "$sanitizer" "$t" "$corpus" -- \
        -max_total_time="$seconds" -timeout=30 -print_final_stats=1 ${FUZZ_ARGS:-}; then
        failed+=("$t")
    fi
done

if [ "${#failed[@]}" -gt 0 ]; then
    echo "fuzz-smoke: crashed: ${failed[*]} (see fuzz/artifacts/)" >&2
    exit 1
fi
echo "fuzz-smoke: no crash in: $targets" >&2
