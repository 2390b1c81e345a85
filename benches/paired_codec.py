#!/usr/bin/env python3
"""Paired, alternated criterion runs of two builds of benches/codec.rs.

For each benchmark id: old, new, old, new, back to back, so that a shared host's drift hits both
sides alike; prints each id's lower median per side and the ratio, then the range per group.

    python3 benches/paired_codec.py OLD_BENCH_BINARY NEW_BENCH_BINARY [ID_PREFIX]

The binaries are what `cargo bench --bench codec --no-run` prints (target/release/deps/codec-*),
built from the two commits in separate worktrees and target folders.
"""
import re
import statistics
import subprocess
import sys

UNIT = {"ps": 1e-3, "ns": 1.0, "µs": 1e3, "us": 1e3, "ms": 1e6}


def median_ns(binary, bench_id):
    out = subprocess.run(
        [binary, "--bench", "^" + re.escape(bench_id) + "$", "--warm-up-time", "0.5",
         "--measurement-time", "1.5", "--noplot", "--discard-baseline"],
        capture_output=True, text=True, check=True).stdout
    m = re.search(r"time:\s+\[\S+ \S+ (\S+) (\S+) ", out)
    if not m:
        sys.exit(f"no time for {bench_id} in:\n{out}")
    return float(m.group(1)) * UNIT[m.group(2)]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    old, new = sys.argv[1], sys.argv[2]
    prefix = sys.argv[3] if len(sys.argv) > 3 else ""
    listing = subprocess.run([new, "--bench", "--list"], capture_output=True, text=True,
                             check=True).stdout
    ids = sorted(l.rsplit(": ", 1)[0] for l in listing.splitlines() if l.endswith(": benchmark"))
    ratios = {}
    for bench_id in (i for i in ids if i.startswith(prefix)):
        runs = {"old": [], "new": []}
        for _ in range(2):
            for side, binary in (("old", old), ("new", new)):
                runs[side].append(median_ns(binary, bench_id))
        o, n = min(runs["old"]), min(runs["new"])
        ratios[bench_id] = n / o
        print(f"{bench_id}\t{o:.0f} ns\t{n:.0f} ns\t{n / o:.2f}x", flush=True)
    for group in ("encode", "decode"):
        rs = [r for k, r in ratios.items() if k.startswith(group)]
        if rs:
            print(f"{group}: {min(rs):.2f}-{max(rs):.2f}x, median {statistics.median(rs):.2f}x")


if __name__ == "__main__":
    main()
