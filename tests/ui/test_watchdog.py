"""The stall watchdog's figures (bench/ui.py and the autopilot quote them) stay right while
its memory stays fixed however long the kiosk runs."""

from __future__ import annotations

import random
import sys


def test_stall_statistics_match_the_samples_and_memory_does_not_grow(qapp):
    from kiosk.ui.watchdog import LoopWatchdog

    wd = LoopWatchdog()
    rng = random.Random(7)
    samples = [rng.expovariate(1 / 0.4) for _ in range(50_000)] + [rng.uniform(50, 900) for _ in range(300)] + [2500.0]
    size_before = sys.getsizeof(wd._bins)
    for x in samples:
        wd.record(x)
    s = sorted(samples)
    st = wd.stats()
    assert st["samples"] == len(samples)
    assert st["max_ms"] == round(s[-1], 2)                        # exact, even past the last bin
    assert abs(st["p99_ms"] - s[int(len(s) * 0.99)]) <= 0.1        # to the bin
    assert sys.getsizeof(wd._bins) == size_before                  # a million samples later: same size
    wd.reset()
    assert wd.stats() == {"max_ms": 0.0, "p99_ms": 0.0, "samples": 0}
