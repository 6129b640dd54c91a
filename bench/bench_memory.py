"""Memory of many MNIST sessions in one process, as on one server: each steps, goes Back and plays
5,000 iterations of the mnist preset (784-100-10, 79,510 parameters); the goal is <= 25 MB per session.

    python bench/bench_memory.py            # 40 sessions x 5,000 iterations (about 4 minutes of one core)
    python bench/bench_memory.py --quick    # 8 sessions x 1,000 iterations

Measured from the process's resident set (VmRSS in /proc/self/status, what the server's host sees):
the baseline is the process with the shared dataset loaded (every session on the preset's split holds
the same immutable Dataset: 31 MB of float64 images, paid once per server), then the growth after all
sessions have played, divided by their number, beside what the sessions themselves count
(``Session.nbytes``: checkpoints, history, current state). The sessions play one after another, each
kept alive to the end, so the last RSS holds all of them at once.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one core: the machine is shared

import argparse  # noqa: E402
import gc  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import backprop_core as bp  # noqa: E402
from backprop_core.presets import PRESETS  # noqa: E402

MB = 1 << 20
GOAL_MB = 25.0


def rss_bytes() -> int:
    """This process's resident set size (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def student(cfg: bp.Config, iterations: int) -> bp.Session:
    """One student's session: a few Steps, Next phase and Back, then Play for ``iterations``."""
    s = bp.Session(cfg)
    for _ in range(3):
        s.step()
    s.back()
    s.next_phase()
    s.back()
    s.run(iterations)
    return s


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="8 sessions x 1,000 iterations")
    args = ap.parse_args(argv)
    n, iterations = (8, 1000) if args.quick else (40, 5000)
    cfg = PRESETS["mnist"]
    rss0 = rss_bytes()
    shared = bp.session.dataset_for(cfg)  # the dataset every one of these sessions holds
    student(cfg, 50)  # warm up: imports, caches, the allocator's first arenas
    gc.collect()
    rss1 = rss_bytes()
    t0 = time.perf_counter()
    sessions = [student(cfg, iterations) for _ in range(n)]
    seconds = time.perf_counter() - t0
    gc.collect()
    rss2 = rss_bytes()
    assert all(s.dataset is shared for s in sessions) and all(s.diverged is None for s in sessions)
    per = (rss2 - rss1) / n / MB
    counted = max(s.nbytes for s in sessions) / MB
    print(f"{n} mnist sessions, each 3 Steps, Next phase, 2 Backs, then {iterations:,} iterations "
          f"({seconds:.0f} s of play)")
    print(f"  shared dataset + warm-up {(rss1 - rss0) / MB:6.1f} MB once | RSS {rss1 / MB:.0f} -> {rss2 / MB:.0f} MB "
          f"| per session {per:5.2f} MB (Session.nbytes at most {counted:.2f} MB) | goal <= {GOAL_MB:g} MB per "
          f"session: {'MET' if per <= GOAL_MB else 'MISSED'}")
    return 0 if per <= GOAL_MB else 1


if __name__ == "__main__":
    sys.exit(main())
