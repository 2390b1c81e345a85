#!/usr/bin/env bash
# Builds crmsim's container images offline, from what this machine has: no registry, no base
# image, no Dockerfile. Each image is a minimal root filesystem (one program, the shared
# libraries `ldd` says it needs, a static busybox for a shell) turned into an image by
# `docker import`.
#
#   crmsim/crmsim:<hash>   the release crmsim binary; entry point `crmsim`
#   crmsim/haproxy:<hash>  Debian's haproxy; entry point `haproxy`
#
# <hash> is the SHA-256 (12 hex digits) of the root filesystem's tarball, which is built
# deterministically (sorted names, fixed times and owners): the same inputs give the same tag,
# and an existing tag is not built again. Each image is also tagged `:local`, the tag the tests
# and `crmsim export compose` use unless CRMSIM_IMAGE / CRMSIM_HAPROXY_IMAGE name another
# (e.g. an image pulled from your registry).
#
# Needs: docker, the release binary (built if missing), busybox-static and haproxy (ci/deps.sh).
# Prints the two image names. Exit 0 when both exist afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

die() { echo "ci/images.sh: $*" >&2; exit 2; }

command -v docker >/dev/null || die "docker is not installed; container images need a Docker engine"
docker info >/dev/null 2>&1 || die "the Docker engine does not answer (docker info failed); start it or set DOCKER_HOST"

bin=${CRMSIM_BIN:-target/release/crmsim}
if [ ! -x "$bin" ]; then
  cargo build --release --locked
fi
busybox=""
for candidate in /bin/busybox /usr/bin/busybox; do
  if [ -x "$candidate" ] && file -L "$candidate" 2>/dev/null | grep -q "statically linked"; then
    busybox=$candidate
    break
  fi
done
[ -n "$busybox" ] || die "no static busybox; apt-get install -y busybox-static (ci/deps.sh does)"
haproxy=$(command -v haproxy || true)
[ -n "$haproxy" ] || haproxy=/usr/sbin/haproxy
[ -x "$haproxy" ] || die "no haproxy; apt-get install -y haproxy (ci/deps.sh does)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# rootfs DIR PROGRAM DEST: DEST in DIR, with every library ldd lists at its own path.
rootfs() {
  local dir=$1 program=$2 dest=$3
  mkdir -p "$dir/bin" "$dir/etc" "$dir/tmp" "$dir/work" "$(dirname "$dir$dest")"
  chmod 1777 "$dir/tmp"
  cp "$program" "$dir$dest"
  ldd "$program" | grep -o '/[^ ]*' | sort -u | while read -r lib; do
    mkdir -p "$dir$(dirname "$lib")"
    cp -L "$lib" "$dir$lib"
  done
  cp "$busybox" "$dir/bin/busybox"
  for applet in sh ls cat sleep kill ps nslookup wget; do
    ln -sf busybox "$dir/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' >"$dir/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$dir/etc/group"
  printf 'hosts: files dns\n' >"$dir/etc/nsswitch.conf"
}

# image NAME DIR ENTRYPOINT: imports DIR as NAME:<hash> and NAME:local, unless it exists.
image() {
  local name=$1 dir=$2 entry=$3 tarball hash
  tarball="$work/$(basename "$dir").tar"
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$dir" -cf "$tarball" .
  hash=$(sha256sum "$tarball" | cut -c1-12)
  if ! docker image inspect "$name:$hash" >/dev/null 2>&1; then
    docker import --change "ENTRYPOINT [\"$entry\"]" --change 'WORKDIR /work' \
      "$tarball" "$name:$hash" >/dev/null
  fi
  docker tag "$name:$hash" "$name:local"
  echo "$name:$hash"
}

rootfs "$work/crmsim" "$bin" /usr/local/bin/crmsim
image crmsim/crmsim "$work/crmsim" /usr/local/bin/crmsim

rootfs "$work/haproxy" "$haproxy" /usr/sbin/haproxy
mkdir -p "$work/haproxy/run/haproxy" "$work/haproxy/var/lib/haproxy"
image crmsim/haproxy "$work/haproxy" /usr/sbin/haproxy
