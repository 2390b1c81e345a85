#!/usr/bin/env bash
# The test command of the README: formatting, lints, every test of the workspace, and the two
# shipped direct scenarios through the release binary. Exits non-zero on the first failure.
#
# The tests call real tools: xmllint (libxml2-utils), curl, openssl, haproxy. Where they are
# missing on Debian/Ubuntu, this script runs ci/deps.sh to install them.
set -euo pipefail
cd "$(dirname "$0")/.."

missing_tools() {
  missing=()
  for tool in xmllint curl openssl haproxy prometheus; do
    command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || missing+=("$tool")
  done
  # Validates real reports against schemas/ in the tests.
  python3 -c 'import jsonschema' 2>/dev/null || missing+=("python3 jsonschema")
}
missing_tools
# A newcomer types this one command: on Debian/Ubuntu it installs what is missing itself (as
# root or through sudo), elsewhere it says what to install.
if ((${#missing[@]})) && command -v apt-get >/dev/null; then
  echo "== installing ${missing[*]} (ci/deps.sh)"
  ci/deps.sh || true
  missing_tools
fi
if ((${#missing[@]})); then
  echo "ci/test.sh: missing ${missing[*]}; install them (Debian/Ubuntu, as root: ci/deps.sh, or apt-get install -y libxml2-utils curl openssl haproxy busybox-static prometheus)" >&2
  exit 2
fi

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
# Every public item documented (missing_docs is on in the crates) and every doc link resolving.
echo "== cargo doc"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked -q
# cargo test shows no output of passing tests, so the skip is said here, where it is seen.
if [ "${CRMSIM_CONTAINERS:-}" = 1 ] && docker info >/dev/null 2>&1; then
  echo "== container topology tests: on (CRMSIM_CONTAINERS=1, Docker engine answers)"
elif [ "${CRMSIM_CONTAINERS:-}" = 1 ]; then
  echo "== container topology tests: SKIPPED: no Docker engine answers (docker info failed)"
else
  echo "== container topology tests: SKIPPED (they run in ci/release-gate.sh, or here with CRMSIM_CONTAINERS=1 and a Docker engine)"
fi
echo "== cargo test"
# HAProxy and Prometheus are installed by ci/deps.sh, so their tests must run, not skip. The
# container tests run when a Docker engine answers and say SKIPPED otherwise.
CRMSIM_REQUIRE_HAPROXY=1 CRMSIM_REQUIRE_PROMETHEUS=1 cargo test --workspace --locked
echo "== scenarios (release build)"
cargo build --release --locked
mkdir -p target/reports
for scenario in scenarios/direct.toml scenarios/direct-plain.toml; do
  name=$(basename "$scenario" .toml)
  echo "-- crmsim run $scenario"
  ./target/release/crmsim run "$scenario" --json "target/reports/$name.json" --progress lines
done
echo "ci/test.sh: all passed"
