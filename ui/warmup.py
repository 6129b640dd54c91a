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

import importlib
import json
import logging
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


def _prepare() -> None:
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
