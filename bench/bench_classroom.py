"""Benchmark: a classroom on one server. N students open the app and each presses Step every ~2 s.

Each student is a real client against a real ``streamlit run app.py`` on 127.0.0.1: a websocket
speaking Streamlit's own protocol, as the browser's frontend does. It connects to /_stcore/stream with
the "streamlit" subprotocol, sends BackMsg ``rerun_script`` (query string, page, widget states) and
reads ForwardMsgs until ``script_finished``. Pressing Step is a rerun whose widget states carry the
Step button's id (read from the page's own deltas) with ``trigger_value`` set; every answer is
checked: no exception element, and the page's Iteration metric went up by exactly one.

Reported per N (a fresh server for each N, so sessions of one round do not weigh on the next):
- join: client-observed time from the first rerun request to its script_finished (the first page);
- rerun p50/p95/max: client-observed time from sending Step to receiving script_finished, i.e. the
  server's queueing plus the script run plus the loopback transfer of every delta. The clients run
  on the same 2 cores as the server, so this is pessimistic;
- memory per session: (server RSS with N live sessions - RSS after one warm-up session) / N, RSS
  read from /proc/<pid>/status; also the peak RSS seen;
- failed sessions: connection errors, timeouts (60 s), exceptions on the page, steps not applied;
- server CPU per run: the server's user+system CPU time over the round / the runs it served. This
  is far less sensitive to other load on the machine than latency, and gives the capacity: a
  Streamlit server runs scripts under one GIL, so about one core serves 1000 / (CPU ms per run) runs/s.
Each round is repeated on bench/trivial_app.py (one Step button, one metric, one plotly chart) with the
same N, so the ratio separates what the app costs from what Streamlit and this machine's load cost;
the machine's load average is printed beside each round.

    python bench/bench_classroom.py              # N = 10, 40, 80; 30 s of stepping each, app and baseline
    python bench/bench_classroom.py --quick      # N = 10, 40; 12 s each
    python bench/bench_classroom.py --n 40 --seconds 60 --no-baseline

Goal for N = 40: rerun p95 <= 500 ms, <= 15 MB per session, no failed session.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ClientState_pb2 import ClientState  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402
from websockets.typing import Subprotocol  # noqa: E402

from bench import _server  # noqa: E402

PERIOD = 2.0  # seconds between one student's Steps
RERUN_TIMEOUT = 60.0
STEP_LABEL, ITERATION_LABEL = "Step", "Iteration"
GOAL = {"n": 40, "p95_ms": 500.0, "mb_per_session": 15.0}
FINISHED_OK, FINISHED_EARLY_FOR_RERUN, FINISHED_FRAGMENT_OK = 0, 2, 3


@dataclass
class Page:
    """What one run of the script showed: its page, query string, buttons (label -> id) and metrics."""

    page_hash: str = ""
    query: str = ""
    buttons: dict[str, str] = field(default_factory=dict)
    fragments: dict[str, str] = field(default_factory=dict)  # button label -> fragment id ("" if none)
    metrics: dict[str, str] = field(default_factory=dict)
    codes: list[str] = field(default_factory=list)  # st.code texts, in order
    auto_rerun: dict[str, float] = field(default_factory=dict)  # fragment id -> run_every seconds


@dataclass
class Student:
    idx: int
    join_ms: float | None = None
    rerun_ms: list[float] = field(default_factory=list)
    error: str | None = None


class PageError(RuntimeError):
    pass


async def rerun(ws, state: ClientState, page: Page) -> Page:
    """Send one rerun request and read until the run finished; the new Page it drew."""
    msg = BackMsg()
    msg.rerun_script.CopyFrom(state)
    await ws.send(msg.SerializeToString())
    new = Page(page_hash=page.page_hash, query=state.query_string)  # the address the run starts from
    while True:
        fwd = ForwardMsg()
        fwd.ParseFromString(await ws.recv())
        kind = fwd.WhichOneof("type")
        if kind == "new_session":
            new.page_hash = fwd.new_session.page_script_hash
        elif kind == "page_info_changed":
            new.query = fwd.page_info_changed.query_string
        elif kind == "auto_rerun":
            new.auto_rerun[fwd.auto_rerun.fragment_id] = fwd.auto_rerun.interval
        elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
            _read_element(fwd.delta.new_element, new, fwd.delta.fragment_id)
        elif kind == "script_finished":
            if fwd.script_finished in (FINISHED_OK, FINISHED_FRAGMENT_OK):
                return new
            if fwd.script_finished != FINISHED_EARLY_FOR_RERUN:
                raise PageError(f"script finished with status {fwd.script_finished}")
            new = Page(page_hash=new.page_hash, query=new.query,  # an st.rerun: the next run redraws
                       auto_rerun=new.auto_rerun)


def _read_element(el, page: Page, fragment_id: str = "") -> None:
    kind = el.WhichOneof("type")
    if kind == "button":
        page.buttons[el.button.label] = el.button.id
        page.fragments[el.button.label] = fragment_id
    elif kind == "metric":
        page.metrics[el.metric.label] = el.metric.body
    elif kind == "code":
        page.codes.append(el.code.code_text)
    elif kind == "exception":
        raise PageError(f"exception on the page: {el.exception.type}: {el.exception.message[:200]}")


def step_request(page: Page) -> ClientState:
    state = ClientState(query_string=page.query, page_script_hash=page.page_hash)
    w = state.widget_states.widgets.add()
    w.id = page.buttons[STEP_LABEL]
    w.trigger_value = True
    if page.fragments.get(STEP_LABEL):  # a button inside a fragment reruns just that fragment, as a browser does
        state.fragment_id = page.fragments[STEP_LABEL]
    return state


def iteration_of(page: Page) -> int:
    return int(page.metrics[ITERATION_LABEL].replace(",", ""))


async def student(s: Student, port: int, start_delay: float, t_end: float, rng: random.Random) -> None:
    """Join after ``start_delay``, then press Step every ~PERIOD s until ``t_end`` (loop time)."""
    loop = asyncio.get_running_loop()
    await asyncio.sleep(start_delay)
    try:
        async with connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=[Subprotocol("streamlit")],
                           max_size=None, open_timeout=RERUN_TIMEOUT, ping_interval=None) as ws:
            t0 = time.perf_counter()
            page = await asyncio.wait_for(rerun(ws, ClientState(), Page()), RERUN_TIMEOUT)
            s.join_ms = (time.perf_counter() - t0) * 1e3
            await asyncio.sleep(rng.uniform(0, PERIOD))
            while loop.time() < t_end:
                before = iteration_of(page)
                t0 = time.perf_counter()
                page = await asyncio.wait_for(rerun(ws, step_request(page), page), RERUN_TIMEOUT)
                took = time.perf_counter() - t0
                s.rerun_ms.append(took * 1e3)
                if iteration_of(page) != before + 1:
                    raise PageError(f"Step went from iteration {before} to {iteration_of(page)}")
                await asyncio.sleep(max(0.0, PERIOD * rng.uniform(0.8, 1.2) - took))
    except Exception as exc:  # timeouts, PageError, websockets' ConnectionClosed: a failed session, not a crash
        s.error = f"{type(exc).__name__}: {exc}"[:200]


async def sample_rss(pid: int, stop: asyncio.Event, peak: list[int]) -> None:
    while not stop.is_set():
        peak[0] = max(peak[0], _server.rss_bytes(pid))
        await asyncio.sleep(0.25)


async def classroom(port: int, pid: int, n: int, seconds: float, join_over: float, seed: int) -> dict:
    rng = random.Random(seed)
    loop = asyncio.get_running_loop()
    students = [Student(i) for i in range(n)]
    t_end = loop.time() + join_over + seconds
    stop, peak = asyncio.Event(), [0]
    sampler = asyncio.create_task(sample_rss(pid, stop, peak))
    await asyncio.gather(*(student(s, port, join_over * i / n, t_end, random.Random(rng.random()))
                           for i, s in enumerate(students)))
    stop.set()
    await sampler
    return {"students": students, "peak_rss": peak[0]}


async def rss_with_live_sessions(port: int, pid: int, n: int, seconds: float, join_over: float,
                                 seed: int) -> tuple[dict, int]:
    """Run the classroom, and read the RSS at the end of stepping while every session is still live."""
    rss_live = [0]

    async def read_at_end() -> None:
        await asyncio.sleep(join_over + seconds - 0.5)
        rss_live[0] = _server.rss_bytes(pid)

    reader = asyncio.create_task(read_at_end())
    result = await classroom(port, pid, n, seconds, join_over, seed)
    await reader
    return result, rss_live[0]


async def warm_up(port: int) -> None:
    """One student opens the app and steps twice, so every module is imported before the baseline."""
    s = Student(-1)
    loop = asyncio.get_running_loop()
    await student(s, port, 0.0, loop.time() + 2 * PERIOD, random.Random(0))
    if s.error:
        raise RuntimeError(f"warm-up session failed: {s.error}")


def pct(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(q / 100 * len(xs) + 0.5) - 1))]


def server_args(settings: list[str] | None) -> list[str]:
    """``["runner.postScriptGC=false"]`` -> ``["--runner.postScriptGC", "false"]`` (streamlit run options)."""
    out: list[str] = []
    for item in settings or []:
        key, _, value = item.partition("=")
        out += [f"--{key.strip()}", value.strip()]
    return out


def run_round(n: int, seconds: float, seed: int, script: str = "app.py", extra: list[str] | None = None) -> dict:
    join_over = min(10.0, max(2.0, n / 8))  # students open the link over a few seconds, not all at once
    log = ROOT / "artifacts" / f"bench-classroom-{Path(script).stem}-{n}.log"
    load_before = os.getloadavg()[0]
    with _server.running(script, log_path=log, extra_args=extra or []) as srv:
        asyncio.run(warm_up(srv.port))
        time.sleep(1.0)
        rss0, cpu0, me0 = srv.rss_bytes(), srv.cpu_seconds(), sum(os.times()[:2])
        result, rss_live = asyncio.run(rss_with_live_sessions(srv.port, srv.pid, n, seconds, join_over, seed))
        cpu, me = srv.cpu_seconds() - cpu0, sum(os.times()[:2]) - me0
        log_errors = srv.log_tail(400).count("Traceback")
    students = result["students"]
    reruns = [ms for s in students for ms in s.rerun_ms]
    joins = [s.join_ms for s in students if s.join_ms is not None]
    failed = [s for s in students if s.error]
    return {"n": n, "script": script, "reruns": reruns, "joins": joins, "failed": failed, "rss0": rss0,
            "rss_live": rss_live, "peak": result["peak_rss"], "per_session_mb": (rss_live - rss0) / n / 2**20,
            "log_errors": log_errors, "load": (load_before, os.getloadavg()[0]),
            "cpu_ms_per_run": cpu * 1e3 / max(1, len(reruns) + len(joins)), "client_cpu_s": me}


def report(r: dict) -> str:
    rr, jj = r["reruns"], r["joins"]
    name = "Backprop Lab" if r["script"] == "app.py" else "trivial baseline"
    lines = [f"{name:<16} N = {r['n']:>3}: {len(rr)} Steps, join p50 {pct(jj, 50):6.0f} ms  p95 {pct(jj, 95):6.0f} ms"
             " | "
             f"rerun p50 {pct(rr, 50):6.0f} ms  p95 {pct(rr, 95):6.0f} ms  max {max(rr, default=float('nan')):6.0f} ms"
             f" | RSS {r['rss0'] / 2**20:.0f} -> {r['rss_live'] / 2**20:.0f} MB (peak {r['peak'] / 2**20:.0f}),"
             f" {r['per_session_mb']:.2f} MB/session | failed sessions {len(r['failed'])}/{r['n']}"
             f" | server tracebacks {r['log_errors']} | load avg {r['load'][0]:.1f} -> {r['load'][1]:.1f}",
             f"    server CPU {r['cpu_ms_per_run']:.0f} ms per run (so one core serves ~"
             f"{1000 * PERIOD / max(r['cpu_ms_per_run'], 1e-9):.0f} students stepping every {PERIOD:g} s); "
             f"the clients used {r['client_cpu_s']:.1f} CPU s"]
    for s in r["failed"][:5]:
        lines.append(f"    student {s.idx}: {s.error}")
    if r["n"] == GOAL["n"] and r["script"] == "app.py":
        ok = (pct(rr, 95) <= GOAL["p95_ms"] and r["per_session_mb"] <= GOAL["mb_per_session"] and not r["failed"])
        lines.append(f"    goal for N = {GOAL['n']} (p95 <= {GOAL['p95_ms']:.0f} ms, <= {GOAL['mb_per_session']:.0f} "
                     f"MB/session, no failed session): {'MET' if ok else 'NOT MET'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="N = 10, 40 for 12 s each")
    ap.add_argument("--n", type=int, action="append", help="class size (repeatable); default 10, 40, 80")
    ap.add_argument("--seconds", type=float, default=None, help="seconds of stepping per round")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-baseline", action="store_true", help="skip the trivial-app round of each N")
    ap.add_argument("--set", action="append", metavar="KEY=VALUE",
                    help="a streamlit config option for both servers, e.g. runner.postScriptGC=false (repeatable)")
    args = ap.parse_args(argv)
    sizes = args.n or ([10, 40] if args.quick else [10, 40, 80])
    seconds = args.seconds or (12.0 if args.quick else 30.0)
    print(f"Classroom load: each student presses Step every ~{PERIOD:g} s for {seconds:g} s; a fresh "
          f"server per N; latencies client-observed over loopback (clients share the server's cores)."
          + (f" Server options: {' '.join(args.set)}." if args.set else ""))
    results = []
    for n in sizes:
        for script in ("app.py",) if args.no_baseline else ("app.py", "bench/trivial_app.py"):
            t0 = time.perf_counter()
            results.append(run_round(n, seconds, args.seed, script, server_args(args.set)))
            print(report(results[-1]) + f"   [{time.perf_counter() - t0:.0f} s]", flush=True)
        if not args.no_baseline:
            app, base = results[-2]["reruns"], results[-1]["reruns"]
            print(f"    ratio app / baseline at N = {n}: rerun p50 {pct(app, 50) / pct(base, 50):.2f}, "
                  f"p95 {pct(app, 95) / pct(base, 95):.2f}", flush=True)
    return 0 if all(not r["failed"] for r in results if r["script"] == "app.py") else 1


if __name__ == "__main__":
    sys.exit(main())
