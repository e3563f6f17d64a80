#!/usr/bin/env python3
"""Where a run's slow requests come from: reads LoadGen --trace files ("intended-start-ns latency-ns" lines).

  python3 bench/tail.py TRACE [TRACE...] [--over-us 1500]

For each file: p50/p99, how many requests were slower than --over-us, grouped into episodes (slow requests less
than 20 ms apart), the biggest episodes, and in which 10 ms of each 100 ms cycle the slow requests started. A
machine whose stalls come on a 100 ms clock (a hypervisor's CPU-bandwidth period) shows them bunched in one or two
bins; a target's own pauses (GC, a lock) do not follow that clock.
"""
import sys


def main(argv):
    over_us = 1500
    files = []
    i = 0
    while i < len(argv):
        if argv[i] == "--over-us":
            over_us = int(argv[i + 1])
            i += 2
        else:
            files.append(argv[i])
            i += 1
    for f in files:
        rows = [tuple(map(int, line.split())) for line in open(f) if line.strip()]
        rows.sort()
        if not rows:
            print(f, "no requests")
            continue
        t0 = rows[0][0]
        lat = sorted(r[1] for r in rows)
        n = len(lat)
        slow = [r for r in rows if r[1] >= over_us * 1000]
        episodes = []
        for start, latency in slow:
            if episodes and start - episodes[-1]["last"] < 20_000_000:
                e = episodes[-1]
                e["last"] = start
                e["n"] += 1
                e["max"] = max(e["max"], latency)
            else:
                episodes.append({"first": start, "last": start, "n": 1, "max": latency})
        phase = [0] * 10
        for start, _ in slow:
            phase[int(((start - t0) / 1e6) % 100) // 10] += 1
        print("%s: %d requests, p50 %d us, p99 %d us, p99.9 %d us; %d slower than %d us in %d episodes"
              % (f, n, lat[n // 2] // 1000, lat[int(n * 0.99)] // 1000, lat[int(n * 0.999)] // 1000,
                 len(slow), over_us, len(episodes)))
        print("  slow requests by 10 ms of the 100 ms cycle:", phase)
        for e in sorted(episodes, key=lambda e: -e["n"])[:8]:
            print("  at +%.0f ms: %d requests, worst %.1f ms" % ((e["first"] - t0) / 1e6, e["n"], e["max"] / 1e6))


if __name__ == "__main__":
    main(sys.argv[1:])
