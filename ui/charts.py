"""A chart that stays mounted: the Step page's network diagram, redrawn in place on every click.

``st.plotly_chart`` derives its element id from the figure itself, so a figure with new numbers is a
new element: the browser throws the old graph away and mounts a new one (about 110 ms for the network
diagram, on every Step; Streamlit PR #16052 would change this). ``live_plotly`` draws into one iframe
that keeps its key across runs and updates with ``Plotly.react``, as a plotly figure in a JavaScript
app would. Its page (plotly_frame/index.html) loads plotly.js from the installed plotly package:
Streamlit serves a component from a single folder and refuses symlinks out of it, so both files are
copied into a private temporary folder once per process (removed at exit).

The figure goes out as plotly's own JSON (NumPy arrays as base64 typed arrays, the encoding
``st.plotly_chart`` uses) without a figure object: plotly's per-property validation would cost ~30 ms
per click. The viz functions' output is validated in full by the tests instead (tests/test_charts.py,
tests/test_viz_network.py), so nothing invalid reaches the browser this way.
"""

from __future__ import annotations

import atexit
import json
import logging
import shutil
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import cache
from pathlib import Path

import plotly
import plotly.graph_objects as go
import plotly.io as pio
import streamlit as st
import streamlit.components.v1 as components

_LOG = logging.getLogger(__name__)

_FRAME_PAGE = Path(__file__).with_name("plotly_frame") / "index.html"
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


@cache
def frame_dir() -> str:
    """The folder Streamlit serves the frame from: index.html and plotly.min.js."""
    root = Path(tempfile.mkdtemp(prefix="backprop-lab-plotly-"))  # private to this user and process
    shutil.copyfile(_FRAME_PAGE, root / "index.html")
    shutil.copyfile(PLOTLY_JS, root / "plotly.min.js")
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    return str(root)


class SharedSpecs:
    """A few recent figures' JSON shared by every browser session of this process, keyed by the
    immutable records they draw (held here, so their ids stay theirs) and the view's values. The
    students following one teacher hold the same records (ui/live.py clones one Session), so 40 of
    them pay for one figure per teacher click. Deliberate process-wide state, behind a lock."""

    def __init__(self, size: int = 32) -> None:
        self._lock = threading.Lock()
        self._items: OrderedDict[tuple, tuple[tuple, str]] = OrderedDict()
        self.size = size

    def get(self, refs: tuple, values: tuple, build: Callable[[], dict]) -> str:
        key = (tuple(map(id, refs)), values)
        with self._lock:
            hit = self._items.get(key)
            if hit is not None and all(a is b for a, b in zip(hit[0], refs)):
                self._items.move_to_end(key)
                return hit[1]
        text = pio.to_json(build(), validate=False)
        with self._lock:
            self._items[key] = (refs, text)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return text


SHARED = SharedSpecs()


def live_plotly(spec: dict | Callable[[], dict], *, key: str, config: dict | None = None,
                shared: tuple[tuple, tuple] | None = None) -> None:
    """Draw a figure dict from viz in a chart that updates in place when its numbers change.

    ``key`` is the chart's identity across runs. The frame takes its height from ``layout.height``
    and applies the Streamlit theme's text and background colours where the figure sets none.
    ``spec`` may be a function building it; with ``shared=(refs, values)`` its JSON comes from
    ``SHARED`` when another session drew the same records with the same values."""
    if shared is not None:
        text = SHARED.get(shared[0], shared[1], spec if callable(spec) else lambda: spec)
    else:
        text = None
        spec = spec() if callable(spec) else spec
    try:
        root = frame_dir()
    except OSError as exc:  # no writable temporary folder: the same figure, remounted on each run
        _warn_once(str(exc))  # frame_dir is retried on each run (the folder may come back)
        st.plotly_chart(go.Figure(json.loads(text) if text is not None else spec, _validate=False), key=key,
                        config=config or {})
        return
    # Registered on every run: AppTest and a restarted runtime each have their own component registry.
    frame = components.declare_component("plotly_frame", path=root)
    frame(spec=text if text is not None else pio.to_json(spec, validate=False), config=config or {}, key=key,
          default=None)


@cache
def _warn_once(reason: str) -> None:
    _LOG.warning("live charts fall back to st.plotly_chart: cannot prepare their folder (%s)", reason)
