"""Server-side rerun time of a Step on the default page (AppTest), per preset, with a breakdown.

For each preset: the median over >= 20 clicks of the whole rerun a click causes (sidebar, core step,
figures, serialisation), beside the same rerun with no Step (the page's fixed cost), and a cProfile
of the Step reruns summarised by where the time goes. Run: python bench/bench_app.py [--quick]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from backprop_core.presets import PRESETS  # noqa: E402

APP = str(ROOT / "app.py")
GOALS = {"xor": 0.060, "digits": 0.150, "mnist": 0.150}
PARTS = {  # where a function's file lives -> which part of the rerun it belongs to
    "backprop_core": "core step (math + bookkeeping)",
    "viz": "figure building (viz/)",
    "ui": "page code (ui/)",
    "plotly": "plotly (figure objects, JSON)",
    "streamlit": "streamlit (widgets, protobuf, AppTest)",
}


def _app(preset: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.selectbox(key="w_preset").select(preset).run()
    return at


def _step_button(at: AppTest):
    return next(b for b in at.button if b.label == "Step")


def time_clicks(at: AppTest, n: int, click: bool) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        if click:
            _step_button(at).click().run()
        else:
            at.run()
        out.append(time.perf_counter() - t0)
    assert not at.exception, [e.value for e in at.exception]
    return out


def breakdown(at: AppTest, n: int) -> dict[str, float]:
    """Share of the profiled Step reruns' time spent under each part (by the file of each function).

    AppTest runs the script in its own thread, so the profiler is switched on inside that thread, around
    ScriptRunner._run_script (a profiler enabled here would see only this thread waiting)."""
    from streamlit.runtime.scriptrunner.script_runner import ScriptRunner

    prof = cProfile.Profile()
    original = ScriptRunner._run_script

    def profiled(self, *args, **kwargs):
        prof.enable()
        try:
            return original(self, *args, **kwargs)
        finally:
            prof.disable()

    ScriptRunner._run_script = profiled
    try:
        time_clicks(at, n, click=True)
    finally:
        ScriptRunner._run_script = original
    stats = pstats.Stats(prof).stats
    total = sum(tt for (_, _, tt, _, _) in stats.values())
    if total <= 0:
        raise RuntimeError("the profiler saw none of the script runs")
    other = "other (python stdlib, app pages)"
    shares = dict.fromkeys([*PARTS.values(), other], 0.0)

    def part_of(file: str) -> str:
        return next((label for key, label in PARTS.items() if f"/{key}/" in file), other)

    for (file, _, _), (_, _, tt, _, callers) in stats.items():
        if file == "~" and callers:  # a C function (NumPy, builtins): its time goes to its callers' parts
            split = sum(c[2] for c in callers.values()) or 1.0
            for (cfile, _, _), c in callers.items():
                shares[part_of(cfile)] += tt * c[2] / split
        else:
            shares[part_of(file)] += tt
    return {k: v / total for k, v in shares.items()}


def main(argv: list[str] | None = None) -> dict[str, dict[str, float]]:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="fewer clicks (5 instead of 25)")
    args = ap.parse_args(argv)
    n = 5 if args.quick else 25
    results = {}
    print(f"Server-side rerun of the Step-through page (AppTest, median of {n} clicks)")
    for preset in GOALS:
        at = _app(preset)
        time_clicks(at, 3, click=True)  # warm up
        idle = statistics.median(time_clicks(at, n, click=False))
        step = statistics.median(time_clicks(at, n, click=True))
        shares = breakdown(at, max(5, n // 3))
        goal = GOALS[preset]
        print(f"\n{preset:7s} ({'-'.join(map(str, _sizes(at)))}): Step rerun {step * 1e3:7.1f} ms   "
              f"rerun without a step {idle * 1e3:7.1f} ms   goal <= {goal * 1e3:.0f} ms   "
              f"{'OK' if step <= goal else 'MISSED'}")
        for part, share in sorted(shares.items(), key=lambda kv: -kv[1]):
            print(f"    {share:6.1%}  {part}")
        results[preset] = {"step_ms": step * 1e3, "idle_ms": idle * 1e3, **shares}
    return results


def _sizes(at: AppTest) -> tuple[int, ...]:
    from ui.state import KEY

    return at.session_state[KEY].session.net.sizes


if __name__ == "__main__":
    assert PRESETS  # the presets this bench names exist
    main()
