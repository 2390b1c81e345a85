#!/usr/bin/env bash
# The release gate: everything a release must pass, with a JUnit file per part for the CI
# system, and a non-zero exit on any failure.
#
#   1. builds the release binary and the container image (ci/images.sh);
#   2. runs every scenario in scenarios/ in process (`crmsim run … --junit`), and each proxy
#      scenario a second time with HAProxy as the proxy (`--proxy-engine haproxy`);
#   3. runs the same scenarios with every component its own process (`--processes`): the
#      scenario's faults SIGKILL and restart side A's process (both proxy engines);
#   4. runs the container topologies (tests/containers.rs): the three deployments with every
#      component in its own container, SSL on and off, side A's container stopped and started
#      with both proxy engines.
#
# Needs a Docker engine (containers) and haproxy (ci/deps.sh installs it); without Docker it
# fails at once and says so. Output: target/release-gate/{junit,reports}/ (or $CRMSIM_GATE_DIR).
# Exit: 0 all passed, 1 something failed, 2 a prerequisite is missing.
set -uo pipefail
cd "$(dirname "$0")/.."

out=${CRMSIM_GATE_DIR:-target/release-gate}
die() { echo "ci/release-gate.sh: $*" >&2; exit 2; }

command -v docker >/dev/null ||
  die "docker is not installed: the release gate runs the container topologies and needs a Docker engine (the README's test command, ci/test.sh, runs without one)"
docker info >/dev/null 2>&1 ||
  die "no Docker engine answers (docker info failed): start it or set DOCKER_HOST; the container topologies cannot run without one"
command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] ||
  die "haproxy is not installed (apt-get install -y haproxy; ci/deps.sh does)"

rm -rf "$out"
mkdir -p "$out/junit" "$out/reports"

echo "== build"
cargo build --release --locked || exit 1
if [ -z "${CRMSIM_IMAGE:-}" ]; then
  CRMSIM_IMAGE=$(ci/images.sh | tail -n 1) || exit 1
fi
export CRMSIM_IMAGE
echo "image: $CRMSIM_IMAGE"

failed=()
run() {
  local name=$1
  shift
  echo "-- $name"
  if ./target/release/crmsim run "$@" --progress lines --quiet \
    --json "$out/reports/$name.json" --junit "$out/junit/$name.xml"; then
    echo "   $name: PASS"
  else
    echo "   $name: FAIL (exit $?)"
    failed+=("$name")
  fi
}

echo "== scenarios, in process"
for scenario in scenarios/*.toml; do
  name=$(basename "$scenario" .toml)
  run "$name" "$scenario"
  if grep -q '^deployment = "proxy-' "$scenario"; then
    run "$name-haproxy" "$scenario" --proxy-engine haproxy
  fi
done

echo "== scenarios, every component its own process"
for scenario in scenarios/*.toml; do
  name=$(basename "$scenario" .toml)
  # capacity.toml is a sizing file; several CRM instances run in process only.
  if [ "$name" = capacity ] || grep -q '^instances = ' "$scenario"; then
    continue
  fi
  run "$name-processes" "$scenario" --processes
  if grep -q '^deployment = "proxy-' "$scenario"; then
    run "$name-processes-haproxy" "$scenario" --processes --proxy-engine haproxy
  fi
done

echo "== container topologies"
# The test harness only drives Docker and reads the components' JSON reports; the components in
# the containers are the release binary of the image. So the debug test build ci/test.sh made
# serves here, instead of a third build profile (a release build of every test crate, minutes).
if CRMSIM_REQUIRE_DOCKER=1 CRMSIM_REQUIRE_HAPROXY=1 CRMSIM_JUNIT_DIR="$out/junit" \
  cargo test --workspace --locked --test containers -- --test-threads 2; then
  echo "   containers: PASS"
else
  failed+=("containers")
fi

echo "== release gate: JUnit in $out/junit"
if ((${#failed[@]})); then
  echo "release gate: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "release gate: all passed"
