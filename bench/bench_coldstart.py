"""Benchmark: a whole class opening the link in the same second, on a server that just started.

A fresh ``streamlit run`` per round, no warm-up session, no stagger: N protocol-level students (the
client of bench/bench_classroom.py) connect, and all N first rerun requests are sent at the same
instant (a barrier after every websocket is open). Each student then presses Step a few times.
Reported per round: failed sessions (an exception element on the page, a Step not applied, a
timeout), tracebacks in the server log, join p50/p95/max (first rerun request -> its
script_finished), and the wake-up time (process start -> /_stcore/health ok). Each round is repeated
on bench/trivial_app.py with the same N, in the same run.

The pages a teacher may project first are tried too: the Step-through page, the Loss landscape
page, the Training page, and a shared link with a replayed step (``?step=500``).

    python bench/bench_coldstart.py            # N = 40 and 80, app and baseline, then the other pages at N = 40
    python bench/bench_coldstart.py --quick    # N = 40 only

Goals (2 cores): 0 failed sessions, 0 tracebacks; join p95 at N = 40 <= 2x the trivial app's and <= 3 s.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.proto.ClientState_pb2 import ClientState  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402
from websockets.typing import Subprotocol  # noqa: E402

from bench import _server  # noqa: E402
from bench.bench_classroom import Page, iteration_of, pct, rerun, step_request  # noqa: E402

TIMEOUT = 120.0
STEPS = 3
GOAL_P95_MS, GOAL_RATIO = 3000.0, 2.0
# (name, url path of the page, query string): what a teacher may put on the projector first
TARGETS = (("step-through", "", ""), ("loss landscape", "loss-landscape", ""),
           ("training", "training-run", ""), ("link ?step=500", "", "step=500"))


@dataclass
class Joiner:
    idx: int
    join_ms: float | None = None
    steps: int = 0
    error: str | None = None
    pages: list[Page] = field(default_factory=list)


async def _one(j: Joiner, port: int, page_name: str, query: str, opened: asyncio.Barrier, steps: int) -> None:
    passed = False
    try:
        async with connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=[Subprotocol("streamlit")],
                           max_size=None, open_timeout=TIMEOUT, ping_interval=None) as ws:
            await opened.wait()  # every socket is open: all first requests leave together
            passed = True
            t0 = time.perf_counter()
            page = await asyncio.wait_for(rerun(ws, ClientState(query_string=query, page_name=page_name), Page()),
                                          TIMEOUT)
            j.join_ms = (time.perf_counter() - t0) * 1e3
            j.pages.append(page)
            for _ in range(steps if "Step" in page.buttons and "Iteration" in page.metrics else 0):
                before = iteration_of(page)
                page = await asyncio.wait_for(rerun(ws, step_request(page), page), TIMEOUT)
                if iteration_of(page) != before + 1:
                    raise RuntimeError(f"Step went from iteration {before} to {iteration_of(page)}")
                j.steps += 1
    except Exception as exc:  # a failed session is a result, not a crash of the bench
        j.error = f"{type(exc).__name__}: {exc}"[:300]
        if not passed:  # the others would wait for this socket forever
            opened.abort()


async def cold_class(port: int, n: int, page_name: str = "", query: str = "", steps: int = STEPS) -> list[Joiner]:
    """N students join a server at the same instant and step ``steps`` times each."""
    opened = asyncio.Barrier(n)
    joiners = [Joiner(i) for i in range(n)]
    await asyncio.gather(*(_one(j, port, page_name, query, opened, steps) for j in joiners))
    return joiners


def _run(coro):
    """asyncio.run in a thread of its own: under pytest a session-wide Playwright may already run an
    event loop in the main thread, and asyncio.run refuses to start inside one."""
    out: dict = {}

    def target() -> None:
        try:
            out["value"] = asyncio.run(coro)
        except BaseException as exc:  # re-raised in the caller's thread
            out["error"] = exc

    t = threading.Thread(target=target, name="coldstart-clients")
    t.start()
    t.join()
    if "error" in out:
        raise out["error"]
    return out["value"]


def run_round(n: int, script: str = "app.py", page_name: str = "", query: str = "", steps: int = STEPS) -> dict:
    """A fresh server, N simultaneous cold joins; the result with the server's traceback count."""
    stem = Path(script).stem + (f"-{page_name}" if page_name else "") + ("-link" if query else "")
    log = ROOT / "artifacts" / f"bench-coldstart-{stem}-{n}.log"
    t0 = time.perf_counter()
    with _server.running(script, log_path=log) as srv:
        wake = time.perf_counter() - t0
        joiners = _run(cold_class(srv.port, n, page_name, query, steps))
        tracebacks = srv.log_tail(2000).count("Traceback")
    joins = [j.join_ms for j in joiners if j.join_ms is not None]
    return {"n": n, "script": script, "page": page_name, "query": query, "joiners": joiners, "joins": joins,
            "failed": [j for j in joiners if j.error], "tracebacks": tracebacks, "wake_s": wake}


def report(r: dict, name: str) -> str:
    jj = r["joins"]
    line = (f"{name:<22} N = {r['n']:>3}: failed sessions {len(r['failed'])}/{r['n']}, server tracebacks "
            f"{r['tracebacks']} | join p50 {pct(jj, 50):6.0f} ms  p95 {pct(jj, 95):6.0f} ms  "
            f"max {max(jj, default=float('nan')):6.0f} ms | wake-up {r['wake_s']:.1f} s")
    return "\n".join([line] + [f"    student {j.idx}: {j.error}" for j in r["failed"][:3]])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="N = 40 only")
    ap.add_argument("--n", type=int, action="append", help="class size (repeatable); default 40 and 80")
    args = ap.parse_args(argv)
    sizes = args.n or ([40] if args.quick else [40, 80])
    print("Cold start: a fresh server per round, N students' first requests sent at the same instant "
          f"(no warm-up), then {STEPS} Steps each; wake-up = process start to /_stcore/health ok.")
    ok = True
    for n in sizes:
        app = run_round(n)
        base = run_round(n, "bench/trivial_app.py")
        print(report(app, "Backprop Lab"), flush=True)
        print(report(base, "trivial baseline"), flush=True)
        ratio = pct(app["joins"], 95) / pct(base["joins"], 95)
        good = not app["failed"] and not app["tracebacks"]
        if n == 40:
            good = good and ratio <= GOAL_RATIO and pct(app["joins"], 95) <= GOAL_P95_MS
        ok = ok and good
        print(f"    join p95 app / baseline at N = {n}: {ratio:.2f}"
              + (f"  (goal: 0 failed, 0 tracebacks{', <= 2x and <= 3 s' if n == 40 else ''}) "
                 f"{'MET' if good else 'NOT MET'}"), flush=True)
    for name, page_name, query in TARGETS[1:]:
        r = run_round(sizes[0], page_name=page_name, query=query)
        ok = ok and not r["failed"] and not r["tracebacks"]
        print(report(r, name), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
