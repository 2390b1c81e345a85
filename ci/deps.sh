#!/usr/bin/env bash
# Installs the tools the tests call (Debian/Ubuntu), if they are missing. Needs root or sudo.
# Docker is not installed here: the container tests skip without it (and say so), the release
# gate (ci/release-gate.sh) refuses to run without it.
set -euo pipefail
need=()
command -v xmllint >/dev/null || need+=(libxml2-utils)
command -v curl >/dev/null || need+=(curl)
command -v openssl >/dev/null || need+=(openssl)
# HAProxy as the second proxy engine; a static busybox as the shell of the container image.
command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] || need+=(haproxy)
[ -x /bin/busybox ] || [ -x /usr/bin/busybox ] || need+=(busybox-static)
# A real Prometheus scrapes `--metrics` in tests/e2e/live_metrics.rs.
[ -x /usr/bin/prometheus ] || need+=(prometheus)
# Python's jsonschema validates real reports against schemas/ (Draft 2020-12: 4.x).
python3 -c 'import jsonschema' 2>/dev/null ||
  pip install jsonschema==4.23.0 2>/dev/null ||
  pip install --break-system-packages jsonschema==4.23.0 2>/dev/null ||
  need+=(python3-jsonschema)
if ((${#need[@]} == 0)); then
  exit 0
fi
sudo=""
if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq "${need[@]}"
