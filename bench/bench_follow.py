"""Benchmark: a live class. One teacher steps; N students follow; how fast, and at what server cost.

Protocol-level clients (bench/bench_classroom.py's websocket client, as a browser's frontend speaks):
the teacher opens the Step page and presses "Start a class"; each student opens ``/?room=CODE`` and
then behaves as the frontend does for an ``st.fragment(run_every=...)``: it re-sends the fragment's
rerun every interval the server announced (``auto_rerun`` messages), reading what comes back. When the
teacher's room changed, the fragment reruns the page and the new Iteration metric arrives.

Reported per round (a fresh server, or two, for each):
- follow latency: from the teacher's Step leaving the teacher's client to the student's page showing
  the new iteration; p50 / p95 / max over every student and every step (the clients share one clock);
  its ratio to the poll interval (the floor of a polling design: on average half of it, at most all);
- idle cost: server CPU (user + system, /proc) over 15 s while N students follow a teacher who does
  nothing, as a share of one core, minus the same N students connected without following (the
  baseline, measured in the same run);
- the teacher's Step: client-observed p50 / p95 with the class following, against the teacher alone;
- failed sessions, tracebacks in the server logs.
Two replicas: servers A and B sharing a real redis-server (BACKPROP_LAB_REDIS_URL), the teacher on A,
students alternately on A and B.

    python bench/bench_follow.py            # N = 40 and 80 on one server, N = 40 on two replicas with Redis
    python bench/bench_follow.py --quick    # N = 40 on one server only

Goals on a 2-core machine: follow p95 <= 1.0 s at 40 students, <= 1.5 s at 80; 40 idle followers
<= 25% of one core; the teacher's Step p95 within the classroom goal (<= 500 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.proto.ClientState_pb2 import ClientState  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402
from websockets.typing import Subprotocol  # noqa: E402

from bench import _server  # noqa: E402
from bench.bench_classroom import Page, PageError, iteration_of, pct, rerun, step_request  # noqa: E402

TIMEOUT = 60.0
STEPS = 8
STEP_EVERY = 3.0
IDLE_SECONDS = 15.0
START_LABEL = "Start a class"
GOAL = {40: 1.0, 80: 1.5}
IDLE_GOAL = 0.25


def _ws(port: int):
    return connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=[Subprotocol("streamlit")],
                   max_size=None, open_timeout=TIMEOUT, ping_interval=None)


def press(page: Page, label: str) -> ClientState:
    state = ClientState(query_string=page.query, page_script_hash=page.page_hash)
    w = state.widget_states.widgets.add()
    w.id, w.trigger_value = page.buttons[label], True
    if page.fragments.get(label):
        state.fragment_id = page.fragments[label]
    return state


@dataclass
class Class:
    """What the clients share: the room, the teacher's steps (iteration -> time sent), the results."""

    code: str = ""
    sent: dict[int, float] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    teacher_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    joined: int = 0
    stop: bool = False


async def follower(c: Class, port: int, follow: bool) -> None:
    """A student's tab: join, then run the announced fragment timers until told to stop."""
    try:
        async with _ws(port) as ws:
            query = f"room={c.code}" if follow else ""
            page = await asyncio.wait_for(rerun(ws, ClientState(query_string=query), Page()), TIMEOUT)
            c.joined += 1
            seen = iteration_of(page)
            timers = dict(page.auto_rerun)
            if follow and not timers:
                raise PageError("a follower's page announced no poll fragment")
            next_at = {f: time.perf_counter() + iv for f, iv in timers.items()}
            while not c.stop:
                if not next_at:
                    await asyncio.sleep(0.05)
                    continue
                frag, at = min(next_at.items(), key=lambda kv: kv[1])
                await asyncio.sleep(max(0.0, at - time.perf_counter()))
                state = ClientState(query_string=page.query, page_script_hash=page.page_hash, fragment_id=frag,
                                    is_auto_rerun=True)
                got = await asyncio.wait_for(rerun(ws, state, page), TIMEOUT)
                now = time.perf_counter()
                if ITER in got.metrics:  # the fragment reran the page: the new iteration is on screen
                    page, it = got, iteration_of(got)
                    if it != seen and it in c.sent:
                        c.latencies.append(now - c.sent[it])
                    seen = it
                    timers = dict(got.auto_rerun) or timers
                    next_at = {f: now + iv for f, iv in timers.items()}
                else:
                    next_at[frag] = now + timers[frag]
    except Exception as exc:  # a failed session, not a crash of the bench  # noqa: BLE001
        c.errors.append(f"{type(exc).__name__}: {exc}"[:200])


ITER = "Iteration"


async def teacher(c: Class, port: int, steps: int, ready: asyncio.Event, go: asyncio.Event,
                  idle: float = 0.0) -> None:
    try:
        async with _ws(port) as ws:
            page = await asyncio.wait_for(rerun(ws, ClientState(), Page()), TIMEOUT)
            page = await asyncio.wait_for(rerun(ws, press(page, START_LABEL), page), TIMEOUT)
            code = next((m.group(1) for t in page.codes if (m := re.search(r"\?room=([A-Z2-9]{6})$", t))), None)
            if code is None:
                raise PageError(f"no room code on the teacher's page: {page.codes}")
            c.code = code
            ready.set()
            await go.wait()
            await asyncio.sleep(idle)
            for _ in range(steps):
                want = iteration_of(page) + 1
                t0 = time.perf_counter()
                c.sent[want] = t0
                page = await asyncio.wait_for(rerun(ws, step_request(page), page), TIMEOUT)
                c.teacher_ms.append((time.perf_counter() - t0) * 1e3)
                if iteration_of(page) != want:
                    raise PageError(f"the teacher's Step reached {iteration_of(page)}, not {want}")
                await asyncio.sleep(STEP_EVERY)
    except Exception as exc:  # noqa: BLE001
        c.errors.append(f"teacher: {type(exc).__name__}: {exc}"[:200])
    finally:
        ready.set()


async def lesson(ports: list[int], n: int, follow: bool, steps: int, idle: float, pids: list[int]) -> dict:
    """One teacher on ports[0]; n students spread over ``ports``. CPU is read over the idle window."""
    c = Class()
    ready, go = asyncio.Event(), asyncio.Event()
    t = asyncio.create_task(teacher(c, ports[0], steps, ready, go, idle))
    await ready.wait()
    students = [asyncio.create_task(follower(c, ports[i % len(ports)], follow)) for i in range(n)]
    while c.joined + len(c.errors) < n:
        await asyncio.sleep(0.1)
    await asyncio.sleep(2.0)  # every student polling
    cpu0, t0 = sum(_server.cpu_seconds(p) for p in pids), time.perf_counter()
    go.set()
    await asyncio.sleep(idle)
    idle_share = (sum(_server.cpu_seconds(p) for p in pids) - cpu0) / (time.perf_counter() - t0)
    await t
    await asyncio.sleep(2.0)  # the last step reaches everyone
    c.stop = True
    await asyncio.gather(*students)
    return {"class": c, "idle_share": idle_share}


def _run(coro):
    return asyncio.run(coro)


def run_round(n: int, replicas: int = 1, steps: int = STEPS) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        redis = None
        env = {}
        if replicas > 1:
            from tests.redis_server import RedisServer

            redis = RedisServer(_server.free_port(), Path(tmp))
            redis.start()
            env = {"BACKPROP_LAB_REDIS_URL": redis.url}
        servers = [_server.start("app.py", env=env) for _ in range(replicas)]
        try:
            ports, pids = [s.port for s in servers], [s.pid for s in servers]
            alone = _run(lesson(ports, 0, True, steps, 0.0, pids))
            base = _run(lesson(ports, n, False, 0, IDLE_SECONDS, pids))
            live = _run(lesson(ports, n, True, steps, IDLE_SECONDS, pids))
            logs = "".join(s.log_tail(400) for s in servers)
        finally:
            for s in servers:
                _server.stop(s)
            if redis is not None:
                redis.stop()
    c = live["class"]
    return {"n": n, "replicas": replicas, "lat": c.latencies, "expected": n * steps, "errors": c.errors + base[
        "class"].errors, "idle": live["idle_share"] - base["idle_share"], "idle_live": live["idle_share"],
        "idle_base": base["idle_share"], "teacher": c.teacher_ms, "teacher_alone": alone["class"].teacher_ms,
        "tracebacks": logs.count("Traceback")}


def report(r: dict) -> str:
    lat, poll = r["lat"], 0.5
    where = "one server" if r["replicas"] == 1 else f"{r['replicas']} replicas + Redis"
    goal = GOAL.get(r["n"])
    lines = [f"N = {r['n']} students, {where}: {len(lat)}/{r['expected']} follows seen, "
             f"{len(r['errors'])} failed sessions, {r['tracebacks']} tracebacks"]
    if lat:
        p95 = pct(lat, 95)
        lines.append(f"  follow p50 {pct(lat, 50):.2f} s, p95 {p95:.2f} s, max {max(lat):.2f} s "
                     f"= {p95 / poll:.2f}x the {poll} s poll interval" + (f" (goal p95 <= {goal} s)" if goal else ""))
    lines.append(f"  idle followers: {r['idle'] * 100:.1f}% of one core (server CPU {r['idle_live'] * 100:.1f}% with "
                 f"{r['n']} following, {r['idle_base'] * 100:.1f}% with {r['n']} not following; goal <= "
                 f"{IDLE_GOAL * 100:.0f}% at 40)")
    if r["teacher"] and r["teacher_alone"]:
        lines.append(f"  teacher's Step p50 {pct(r['teacher'], 50):.0f} ms, p95 {pct(r['teacher'], 95):.0f} ms"
                     f" with the "
                     f"class following; alone p50 {pct(r['teacher_alone'], 50):.0f} ms = "
                     f"{pct(r['teacher'], 50) / max(1e-9, pct(r['teacher_alone'], 50)):.2f}x")
    for e in r["errors"][:3]:
        lines.append(f"  error: {e}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    rounds = [(40, 1)] if args.quick else [(40, 1), (80, 1), (40, 2)]
    print(f"bench_follow: 1 teacher, {STEPS} Steps {STEP_EVERY:g} s apart; students poll as the browser does")
    for n, replicas in rounds:
        print(report(run_round(n, replicas)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
