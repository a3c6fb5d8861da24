#!/usr/bin/env bash
# Builds the libFuzzer targets (clang 14, ASan + UBSan, build-fuzz/, ccache) and runs every
# target in fuzz/ for the given time from its committed corpus. Idempotent.
#
#   scripts/fuzz.sh [seconds-per-target] [--update-corpus] [target…]
#
#   seconds-per-target   default 60; CI runs 20 (ZUGONG_FUZZ_SECONDS in scripts/test.sh), the
#                        long run is `scripts/fuzz.sh 3600`
#   --update-corpus      afterwards merge the inputs that found new coverage into
#                        fuzz/corpus/<target>/ (libFuzzer -merge=1); without it the committed
#                        corpus is only read: each run works on a copy in a temp dir
#   --build-only         build the targets and stop
#   target…              csv, xlsx, … (default: every fuzz/fuzz_<name>.cpp)
#
# Prints one line per target ("fuzz_csv: 953516 runs in 20 s, ok" or "… CRASH …, input saved
# to …"); the last line is "fuzz: N ok, M crashed". Exits non-zero when any target crashed,
# timed out, ran out of memory, or the build failed. Crashing inputs are kept in
# build-fuzz/crashes/<target>/ (FUZZ_CRASH_DIR overrides); with the fix, copy one into
# fuzz/corpus/<target>/ so CTest replays it on every build (see fuzz/README.md).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export CCACHE_BASEDIR="$ROOT" CCACHE_NOHASHDIR=true

SECONDS_PER_TARGET=60
UPDATE=0
BUILD_ONLY=0
TARGETS=()
for arg in "$@"; do
  case "$arg" in
    --update-corpus) UPDATE=1 ;;
    --build-only) BUILD_ONLY=1 ;;
    ''|*[!0-9]*) TARGETS+=("${arg#fuzz_}") ;;
    *) SECONDS_PER_TARGET=$arg ;;
  esac
done
if [ ${#TARGETS[@]} -eq 0 ]; then
  for f in fuzz/fuzz_*.cpp; do t=${f#fuzz/fuzz_}; TARGETS+=("${t%.cpp}"); done
fi

BUILD=${FUZZ_BUILD:-build-fuzz}
CRASH_DIR=${FUZZ_CRASH_DIR:-$ROOT/$BUILD/crashes}

# Build (configure once; ninja is incremental and ccache shares objects between clones).
start=$SECONDS
if [ ! -f "$BUILD/build.ninja" ]; then
  mkdir -p "$BUILD"
  if ! CC=clang CXX=clang++ cmake -S . -B "$BUILD" -G Ninja -DZUGONG_FUZZ=ON \
       -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$BUILD/cmake.log" 2>&1; then
    tail -n 40 "$BUILD/cmake.log"
    echo "fuzz: build failed (cmake), 0 ok"
    exit 2
  fi
fi
if ! ninja -C "$BUILD" "${TARGETS[@]/#/fuzz_}" >"$BUILD/fuzz-build.log" 2>&1; then
  grep -E -A12 '^FAILED' "$BUILD/fuzz-build.log" | head -n 60
  echo "fuzz: build failed (see $BUILD/fuzz-build.log), 0 ok"
  exit 2
fi
echo "fuzz: built ${#TARGETS[@]} targets in $((SECONDS - start)) s ($BUILD)"
if [ "$BUILD_ONLY" = 1 ]; then exit 0; fi
if [ "$SECONDS_PER_TARGET" -lt 1 ]; then echo "fuzz: seconds-per-target must be ≥ 1" >&2; exit 2; fi

# Undefined behaviour and memory errors abort with a stack; leaks are reported as crashes too.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

WORK=$(mktemp -d /tmp/zugong-fuzz.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
ok=0
crashed=0
for t in "${TARGETS[@]}"; do
  bin="$BUILD/fuzz_$t"
  corpus="$WORK/$t"
  mkdir -p "$corpus" "$CRASH_DIR/$t"
  if [ -d "fuzz/corpus/$t" ]; then cp -R "fuzz/corpus/$t/." "$corpus/"; fi
  log="$WORK/$t.log"
  # -timeout: one input taking longer than 25 s is a hang; -rss_limit_mb: a bounded reader
  # must not need more than 2 GB for any input (zip bombs, huge cells).
  "$bin" "$corpus" -max_total_time="$SECONDS_PER_TARGET" -timeout=25 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$CRASH_DIR/$t/" >"$log" 2>&1
  rc=$?
  runs=$(grep -E '^stat::number_of_executed_units:' "$log" | tail -n 1 | awk '{print $2}')
  runs=${runs:-$(grep -oE '^#[0-9]+' "$log" | tail -n 1 | tr -d '#')}
  if [ "$rc" = 0 ]; then
    ok=$((ok + 1))
    echo "fuzz_$t: ${runs:-0} runs in $SECONDS_PER_TARGET s, ok (corpus $(ls "$corpus" | wc -l) inputs)"
    if [ "$UPDATE" = 1 ]; then
      mkdir -p "fuzz/corpus/$t"
      "$bin" -merge=1 "fuzz/corpus/$t" "$corpus" >"$WORK/$t.merge.log" 2>&1 &&
        echo "fuzz_$t: corpus merged into fuzz/corpus/$t ($(ls "fuzz/corpus/$t" | wc -l) inputs)"
    fi
  else
    crashed=$((crashed + 1))
    saved=$(grep -oE 'Test unit written to [^ ]+' "$log" | tail -n 1 | sed 's/Test unit written to //')
    kind=$(grep -oE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer|UndefinedBehaviorSanitizer)[^(]*|runtime error: .*' "$log" | head -n 1)
    cp "$log" "$CRASH_DIR/$t/last-run.log"
    echo "fuzz_$t: CRASH after ${runs:-?} runs (exit $rc): ${kind:-see log}"
    echo "fuzz_$t: input saved to ${saved:-$CRASH_DIR/$t/}; log $CRASH_DIR/$t/last-run.log"
    grep -E -m1 -A25 'ERROR: |runtime error:' "$log" | sed 's/^/    /'
  fi
done
echo "fuzz: $ok ok, $crashed crashed"
[ "$crashed" = 0 ]
