"""Import and prepare, once per server process, everything a first script run would do lazily.

Why: 40 students opening the link on a server that just started run 40 first scripts in 40
threads at once. Modules that plotly, Streamlit and this app import lazily (inside functions) were
then imported by several threads concurrently, and CPython's import-deadlock avoidance handed some
of them a half-initialised module: 33 of 40 sessions of ``?step=500`` on a cold server failed with
``partially initialized module 'pandas' has no attribute 'NaT'`` (plotly's JSON encoder imports
pandas on its first figure; bench/bench_coldstart.py, tests/test_cold_start.py).

How: app.py calls ``prepare()`` before anything else. The first script run of the process does the
work while holding a process-wide lock; every other run waits on that lock, so no two threads ever
import these modules at the same time, and later runs pay one boolean check. (Streamlit 1.67 has no
start-up hook for ``streamlit run app.py`` scripts; ``st.App``'s ASGI lifespan would need the app to
become an ASGI app served by uvicorn.)

What: each item below was found by measurement: the top-level modules that appear in
``sys.modules`` only after the first run of the Step-through page with ``?step=500`` and of every
other page (AppTest in a fresh process, after ``import streamlit``): pandas (and dateutil, zoneinfo,
_strptime it pulls in), pyarrow (Streamlit's components and tables), plotly's figure classes,
validators and JSON encoder (``_plotly_utils``, ``orjson``, ``narwhals``), PIL (the page icon), and
this app's own ``backprop_core``, ``viz`` and ``ui`` modules; plus the per-process preparations that
were cached lazily: the bundled digits and MNIST images and the diagram frame's folder (ui/charts.frame_dir).
"""

from __future__ import annotations

import ctypes
import importlib
import json
import logging
import os
import threading
from pathlib import Path

_LOCK = threading.Lock()  # deliberate process-wide state: the warm-up happens once per process
_DONE = threading.Event()

_MODULES = (
    "pandas", "pyarrow", "pyarrow.pandas_compat", "PIL.Image", "plotly.graph_objects", "plotly.io",
    "plotly.utils", "_plotly_utils.utils", "narwhals", "streamlit.components.v1", "backprop_core",
    "viz.activations", "viz.equations", "viz.landscape", "viz.network", "viz.training", "viz.weights",
    "viz.common", "viz.reveal", "ui.actions", "ui.charts", "ui.chain_view", "ui.compare_view",
    "ui.compat", "ui.csv_upload", "ui.landscape_view", "ui.shell", "ui.sidebar", "ui.state", "ui.step_view",
    "ui.training_view", "ui.weights_view", "ui.live", "viz.poll", "segno", "classroom.store",
    "ui.save_view",
)
ICON = Path(__file__).with_name("icon.png")


def _figures() -> None:
    """Build and serialise one figure of every trace type the app draws: plotly imports each
    trace's validators on first use, and its JSON encoder imports pandas (and orjson) on first call."""
    import plotly.graph_objects as go
    import plotly.io as pio
    import plotly.utils

    traces = (go.Scatter(x=[0, 1], y=[0, 1]), go.Scattergl(x=[0], y=[0]), go.Heatmap(z=[[0, 1]]),
              go.Contour(z=[[0, 1], [1, 0]]), go.Surface(z=[[0, 1], [1, 0]]),
              go.Scatter3d(x=[0], y=[0], z=[0]), go.Cone(x=[0], y=[0], z=[0], u=[1], v=[0], w=[0]))
    fig = go.Figure(list(traces))
    fig.update_layout(title="warm-up", shapes=[{"type": "rect", "x0": 0, "x1": 1, "y0": 0, "y1": 1}])
    pio.to_json(fig, validate=False)
    json.dumps(fig.to_plotly_json(), cls=plotly.utils.PlotlyJSONEncoder)


# OpenBLAS's thread-count setters, by the names numpy's bundled build (scipy-openblas) and others export.
_BLAS_SETTERS = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
                 "openblas_set_num_threads64_", "openblas_set_num_threads")
_BLAS_GETTERS = ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads",
                 "openblas_get_num_threads64_", "openblas_get_num_threads")


def _blas_libraries() -> list[str]:
    """Paths of the OpenBLAS libraries mapped into this process (numpy's, once it is imported)."""
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as f:
            paths = {line.split()[-1] for line in f if "openblas" in line.lower() and "/" in line}
    except OSError:  # not Linux: leave BLAS as it is
        return []
    return sorted(p for p in paths if ".so" in p)


def blas_threads(n: int | None = None) -> int | None:
    """Set (with n) and return OpenBLAS's thread count in this process; None where it cannot be reached."""
    import numpy  # noqa: F401  (maps numpy's OpenBLAS)

    got = None
    for path in _blas_libraries():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for setter, getter in zip(_BLAS_SETTERS, _BLAS_GETTERS):
            if hasattr(lib, setter) and hasattr(lib, getter):
                if n is not None:
                    getattr(lib, setter)(ctypes.c_int(n))
                got = int(getattr(lib, getter)())
                break
    return got


def _one_blas_thread() -> None:
    """One BLAS thread per server process. The server's parallelism is its sessions (a class of 40);
    OpenBLAS's own threads then only fight them and the browser for the cores: on 2 cores one mnist
    iteration took 23 ms inside the server against 5 ms with one thread (bench/bench_browser.py
    --preset mnist). An explicit OPENBLAS_NUM_THREADS / OMP_NUM_THREADS / BACKPROP_LAB_BLAS_THREADS wins."""
    if os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS"):
        return
    text = os.environ.get("BACKPROP_LAB_BLAS_THREADS", "1")
    blas_threads(int(text) if text.isdigit() and 0 < int(text) <= 256 else 1)


def _prepare() -> None:
    _one_blas_thread()
    for name in _MODULES:
        importlib.import_module(name)
    _figures()
    from PIL import Image

    with Image.open(ICON) as im:
        im.load()
    from backprop_core import datasets

    from . import charts

    datasets.make_dataset("digits")
    for name in datasets.IMAGE_SETS:  # the bundled images (MNIST's 3.9 MB of uint8), read once per process
        datasets.load_images(name)
    try:
        charts.frame_dir()
    except OSError:  # no writable temporary folder: ui/charts falls back to st.plotly_chart and says so
        pass


def prepare() -> None:
    """Run the warm-up once per process; concurrent callers wait until it is done."""
    if _DONE.is_set():
        return
    with _LOCK:
        if not _DONE.is_set():
            try:
                _prepare()
            except Exception:  # never fail a page over the warm-up: the pages then import lazily, as before
                logging.getLogger(__name__).warning("warm-up failed", exc_info=True)
            _DONE.set()
