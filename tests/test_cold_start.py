"""A class opening the link in the same second on a server that just started (issue 14).

A real ``streamlit run app.py`` with no warm-up; 40 protocol-level students (bench/bench_coldstart.py)
send their first request at the same instant, then press Step twice. Before ui/warmup.py, the
shared link ``?step=500`` failed for 33 of 40 sessions with a half-imported pandas.
"""

from __future__ import annotations

import pytest

from bench.bench_classroom import iteration_of
from bench.bench_coldstart import run_round

N = 40

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(("page_name", "query", "iteration"), [("", "step=500", 500), ("", "", 0)],
                         ids=["link-step-500", "step-through"])
def test_a_class_joins_a_cold_server_at_once(page_name: str, query: str, iteration: int) -> None:
    r = run_round(N, page_name=page_name, query=query, steps=2)  # the race is timing-dependent: see below
    assert [j.error for j in r["failed"]] == []
    assert r["tracebacks"] == 0
    first = [iteration_of(j.pages[0]) for j in r["joiners"]]
    assert first == [iteration] * N  # every student sees the teacher's iteration
    assert [j.steps for j in r["joiners"]] == [2] * N  # and every Step applied (+1 each, checked per Step)


@pytest.mark.parametrize(("page_name", "marker"), [("loss-landscape", "Step"), ("training-run", "Start")],
                         ids=["loss-landscape", "training"])
def test_other_first_pages_join_a_cold_server_at_once(page_name: str, marker: str) -> None:
    r = run_round(N, page_name=page_name, steps=0)
    assert [j.error for j in r["failed"]] == []
    assert r["tracebacks"] == 0
    assert all(any(marker in label for label in j.pages[0].buttons) for j in r["joiners"])


RACE = r'''
import sys, threading
sys.path.insert(0, sys.argv[1])
sys.setswitchinterval(1e-5)  # switch threads as often as possible: the race shows in most runs
import streamlit  # the server has this before any script runs
from ui import warmup
warm = sys.argv[2] == "warm"
N, errors = 40, []
gate = threading.Barrier(N)


def first_run(i):
    gate.wait()
    try:
        if warm:
            warmup.prepare()  # what app.py does first
        import plotly.graph_objects as go
        import plotly.io as pio
        if i % 2:  # what a first table or component does: pyarrow <-> pandas
            import pyarrow
            pyarrow.Table.from_pydict({"a": [1]}).to_pandas()
        else:  # what a first chart does: plotly's encoder imports pandas
            pio.to_json(go.Figure(go.Scatter(x=[1, 2], y=[3, 4])))
    except Exception as exc:
        errors.append(repr(exc)[:120])


threads = [threading.Thread(target=first_run, args=(i,)) for i in range(N)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(len(errors), errors[:1])
'''


def test_concurrent_first_runs_after_the_warm_up_import_nothing_half_initialised(tmp_path) -> None:
    """40 threads of a fresh interpreter do at once what cold first runs do lazily. Without the
    warm-up 20 of the 40 threads failed in each of 4 runs here (``partially initialized module
    'numpy'``); the server test above reproduced it as 33 of 40 failed sessions on its first cold run."""
    import subprocess
    import sys
    from pathlib import Path

    script = tmp_path / "race.py"
    script.write_text(RACE)
    root = str(Path(__file__).resolve().parents[1])
    for _ in range(3):
        out = subprocess.run([sys.executable, str(script), root, "warm"], capture_output=True, text=True,
                             timeout=120, cwd=root)
        assert out.returncode == 0, out.stderr[-2000:]
        assert out.stdout.strip().splitlines()[-1] == "0 []"


def test_the_warm_up_imports_every_module_of_the_app() -> None:
    """A module added to ui/ or viz/ later is warmed too (or this names it)."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    code = ("import sys, json; sys.path.insert(0, sys.argv[1]); from ui import warmup; warmup._prepare(); "
            "print(json.dumps(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code, str(root)], capture_output=True, text=True, timeout=120)
    loaded = set(json.loads(out.stdout.strip().splitlines()[-1]))
    wanted = {f"{p.parent.name}.{p.stem}" for d in ("ui", "viz") for p in (root / d).glob("*.py")
              if p.stem != "__init__"} | {"pandas", "pyarrow", "plotly.graph_objects", "PIL.Image"}
    assert sorted(wanted - loaded) == []
