#!/usr/bin/env bash
# The test command of the README: formatting, lints, docs, and every test of the workspace.
# Exits non-zero on the first failure. The shipped scenarios through the release binary are the
# release gate's (ci/release-gate.sh runs every one of them, in process and as processes).
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
echo "== tests"
# HAProxy and Prometheus are installed by ci/deps.sh, so their tests must run, not skip. The
# container tests run when a Docker engine answers and say SKIPPED otherwise.
export CRMSIM_REQUIRE_HAPROXY=1 CRMSIM_REQUIRE_PROMETHEUS=1
# cargo nextest runs the same tests as cargo test, but packs every binary's tests onto the
# cores at once (.config/nextest.toml) instead of one binary after another. There are no
# doctests in the workspace (cargo test --doc runs 0), so nextest leaves none out.
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --no-fail-fast
else
  echo "(cargo-nextest is not installed: cargo test runs the same tests, one binary at a time)"
  cargo test --workspace --locked
fi
echo "ci/test.sh: all passed"
