#!/usr/bin/env bash
# Fuzzes every parser that reads what a user or a peer hands crmsim, with libFuzzer through
# cargo-fuzz: the SOAP decoder (both shipped dialects), the dialect compiler, the ini readers,
# the PEM loader, the scenario parser and the capture reader. Each target runs FUZZ_SECONDS (default 60) from seed
# corpora made of the shipped files; a crash, a failed property or a leak fails the script and
# leaves the input in fuzz/artifacts/<target>/.
#
#   ci/fuzz.sh                            # every target, 60 s each (CI: FUZZ_SECONDS=30)
#   FUZZ_SECONDS=3600 ci/fuzz.sh pem ini  # longer, chosen targets
#   FUZZ_CORPUS=fuzz/corpus ci/fuzz.sh    # keep what the fuzzer finds between runs
#
# cargo-fuzz passes unstable rustc flags (the sanitizer); on a stable toolchain RUSTC_BOOTSTRAP
# lets them through, so no nightly toolchain is needed.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-60}
targets=("$@")
if ((${#targets[@]} == 0)); then
  targets=(soap_decode dialect_file ini pem scenario capture)
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz"
  cargo install cargo-fuzz --version 0.13.2 --locked
fi
export RUSTC_BOOTSTRAP=1

echo "== building the fuzz targets (address sanitizer)"
cargo fuzz build -O
bin=fuzz/target/x86_64-unknown-linux-gnu/release

corpus=${FUZZ_CORPUS:-}
if [ -z "$corpus" ]; then
  corpus=$(mktemp -d)
  trap 'rm -rf "$corpus"' EXIT
fi
mkdir -p "$corpus"/{soap_decode,dialect_file,ini,pem,scenario,capture}

echo "== seed corpora from the shipped files"
"$bin/soap_seeds" ici/tests/golden/crmsim "$corpus/soap_decode"
cp ici/dialects/*.toml examples/dialects/*.toml "$corpus/dialect_file/"
cp scenarios/*.toml benches/scenarios/*.toml "$corpus/scenario/"
# A capture as crmsim writes it: the header and a request with its answer.
printf '%s\n%s\n%s\n' \
  '{"type":"capture","format":1,"writer":"seed","crmsim_version":"0","started":"2026-12-06T00:00:00Z","redacted":true}' \
  '{"type":"message","t":"2026-12-06T00:00:00.000001Z","hop":"requests","dir":"request","exchange":1,"method":"POST","path":"/ici","headers":[["content-type","text/xml"]],"body":"<l>10001;pw;30001;p</l>"}' \
  '{"type":"message","t":"2026-12-06T00:00:00.000002Z","hop":"requests","dir":"response","exchange":1,"status":200,"headers":[],"body":"<ok/>","latency_ms":1.5}' \
  > "$corpus/capture/seed.jsonl"
# Certificate material and ini files as `crmsim certs new` writes them for the guide's models,
# in each encoding Notepad saves. Built without RUSTC_BOOTSTRAP: cargo keys its build cache on
# that variable, so with it the release gate's build after this one (in .ci/run) would build the
# whole release binary (minutes) once more instead of reusing it.
env -u RUSTC_BOOTSTRAP cargo build --release --locked -q
material=$(mktemp -d)
n=0
for layout in one-ca ca-per-side; do
  for pem in single split; do
    for enc in ansi utf8 utf16; do
      n=$((n + 1))
      ./target/release/crmsim certs new "$material/$n" --layout "$layout" --pem "$pem" \
        --sides ab --ini-encoding "$enc" --key ecdsa-p256 --days 30 >/dev/null
    done
  done
done
./target/release/crmsim certs new "$material/proxy" --proxy proxy.crmsim.test:8443 >/dev/null
i=0
while IFS= read -r -d '' f; do
  i=$((i + 1))
  case "$f" in
    *.ini) cp "$f" "$corpus/ini/$i.ini" ;;
    *.pem | *.crt | *.key) cp "$f" "$corpus/pem/$i.pem" ;;
  esac
done < <(find "$material" -type f -print0)
rm -rf "$material"
for t in soap_decode dialect_file ini pem scenario capture; do
  echo "   $t: $(find "$corpus/$t" -type f | wc -l) seeds"
done

failed=()
for t in "${targets[@]}"; do
  echo "== fuzzing $t for ${seconds}s"
  if ! cargo fuzz run -O "$t" "$corpus/$t" -- -max_total_time="$seconds" -rss_limit_mb=4096 \
    -timeout=10 -print_final_stats=1 2>"$corpus/$t.log"; then
    tail -n 60 "$corpus/$t.log" >&2
    failed+=("$t")
  else
    grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|Done )' "$corpus/$t.log" || true
  fi
done
if ((${#failed[@]})); then
  echo "ci/fuzz.sh: FAILED: ${failed[*]} (inputs in fuzz/artifacts/<target>/; replay with: RUSTC_BOOTSTRAP=1 cargo fuzz run -O <target> <file>)" >&2
  exit 1
fi
echo "ci/fuzz.sh: ${#targets[@]} targets, ${seconds}s each, no crash"
