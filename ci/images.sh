#!/usr/bin/env bash
# Builds crmsim's container image offline, from what this machine has: no registry, no base
# image, no Dockerfile. The image is a minimal root filesystem (the release crmsim binary,
# Debian's haproxy for `serve proxy` with `engine = "haproxy"`, the shared libraries `ldd` says
# they need, a static busybox for a shell) turned into an image by `docker import`.
#
#   crmsim/crmsim:<hash>   entry point `crmsim` (serve crm|connector|proxy, run, certs …)
#
# <hash> is the SHA-256 (12 hex digits) of the root filesystem's tarball, which is built
# deterministically (sorted names, fixed times and owners): the same inputs give the same tag,
# and an existing tag is not built again. It is also tagged `crmsim/crmsim:local`, the tag the
# tests and `crmsim export compose` use unless CRMSIM_IMAGE names another (e.g. an image pulled
# from your registry).
#
# Needs: docker, the release binary (built if missing), busybox-static and haproxy (ci/deps.sh).
# Prints the image name. Exit 0 when it exists afterwards.
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

# add DIR PROGRAM DEST: PROGRAM at DEST in DIR, with every library ldd lists at its own path.
add() {
  local dir=$1 program=$2 dest=$3
  mkdir -p "$(dirname "$dir$dest")"
  cp "$program" "$dir$dest"
  ldd "$program" | grep -o '/[^ ]*' | sort -u | while read -r lib; do
    mkdir -p "$dir$(dirname "$lib")"
    cp -L "$lib" "$dir$lib"
  done
}

root="$work/rootfs"
mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/work" "$root/run/haproxy" "$root/var/lib/haproxy"
chmod 1777 "$root/tmp"
add "$root" "$bin" /usr/local/bin/crmsim
# Debug info is most of a debug binary's size; symbols stay for backtraces.
strip --strip-debug "$root/usr/local/bin/crmsim" 2>/dev/null || true
add "$root" "$haproxy" /usr/sbin/haproxy
cp "$busybox" "$root/bin/busybox"
for applet in sh ls cat sleep kill ps nslookup wget; do
  ln -sf busybox "$root/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"

tarball="$work/rootfs.tar"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$root" -cf "$tarball" .
hash=$(sha256sum "$tarball" | cut -c1-12)
name=crmsim/crmsim
if ! docker image inspect "$name:$hash" >/dev/null 2>&1; then
  docker import --change 'ENTRYPOINT ["/usr/local/bin/crmsim"]' --change 'WORKDIR /work' \
    --change 'ENV PATH=/usr/local/bin:/usr/sbin:/bin' "$tarball" "$name:$hash" >/dev/null
fi
docker tag "$name:$hash" "$name:local"
echo "$name:$hash"
