"""ui.charts.live_plotly: the figure reaches the browser as the validated plotly path would send it, the
chart keeps one identity across runs (so the browser updates it in place), and its frame serves the
plotly.js of the installed plotly package."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import numpy as np
import plotly
import pytest
from streamlit.testing.v1 import AppTest


def _script(preset: str, focus) -> None:
    import plotly.graph_objects as go
    import streamlit as st

    from backprop_core import PRESETS, Session
    from ui.charts import live_plotly
    from viz.network import DiagramView, network_spec, view_for

    s = Session(PRESETS[preset])
    s.run(2)
    s.next_phase()
    s.next_phase()
    rec = s.record
    for i, view in enumerate([DiagramView()] + [view_for(rec, ph, 0) for ph in s.phases]):
        spec = network_spec(s.net_before(rec), view, focus=focus)
        live_plotly(spec, key=f"fast{i}", config={"displayModeBar": False})
        st.plotly_chart(go.Figure(spec), key=f"slow{i}", config={"displayModeBar": False})  # validated


def plain(obj):
    """JSON with plotly's base64 typed arrays ({"dtype", "bdata", "shape"}) decoded to nested lists."""
    if isinstance(obj, dict):
        if set(obj) >= {"dtype", "bdata"}:
            arr = np.frombuffer(base64.b64decode(obj["bdata"]), dtype=obj["dtype"])
            shape = obj.get("shape")
            return (arr.reshape([int(n) for n in str(shape).split(",")]) if shape else arr).tolist()
        return {k: plain(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [plain(v) for v in obj]
    return obj


def frames(at: AppTest) -> list:
    return [c.proto for c in at.get("component_instance")]


def sent(proto) -> tuple[dict, dict]:
    """(figure, config) a live chart sent to its frame."""
    args = json.loads(proto.json_args)
    return plain(json.loads(args["spec"])), args["config"]


@pytest.mark.parametrize("preset, focus", [("xor", None), ("xor", (1, 2)), ("digits_fast", None)])
def test_live_chart_sends_what_the_validated_path_sends(preset, focus):
    at = AppTest.from_function(_script, args=(preset, focus), default_timeout=60).run()
    assert not at.exception
    fast, slow = frames(at), [c.proto for c in at.get("plotly_chart")]
    assert len(fast) == len(slow) >= 4
    for f, s in zip(fast, slow):
        fig, config = sent(f)
        ref = plain(json.loads(s.spec))
        del ref["layout"]["template"]  # st.plotly_chart adds plotly's default; the frame uses Streamlit's theme
        assert fig == ref
        assert config == json.loads(s.config)


def _changing_chart() -> None:
    import streamlit as st

    from ui.charts import live_plotly

    n = st.session_state.setdefault("n", 0)
    st.session_state["n"] = n + 1
    live_plotly({"data": [{"type": "scatter", "y": [n, n * n, 3]}], "layout": {"height": 300}}, key="c")


def test_live_chart_keeps_its_identity_when_the_numbers_change():
    """The browser remounts an element whose id changes; this one must keep its id (and so its iframe
    and its Plotly graph) while the figure changes."""
    at = AppTest.from_function(_changing_chart).run()
    (first,) = frames(at)
    at.run()
    (second,) = frames(at)
    assert sent(first)[0]["data"][0]["y"] == [0, 0, 3]
    assert sent(second)[0]["data"][0]["y"] == [1, 1, 3]
    assert first.id == second.id and first.url == second.url


def test_frame_folder_serves_the_page_and_the_installed_plotly_js():
    from ui.charts import PLOTLY_JS, frame_dir

    root = Path(frame_dir())
    page = (root / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<script src="plotly.min.js">', page)
    assert "Plotly.react(" in page and "streamlit:componentReady" in page
    js = (root / "plotly.min.js").read_bytes()
    assert js == PLOTLY_JS.read_bytes()
    version = plotly.offline.get_plotlyjs_version()
    assert f"plotly.js v{version}".encode() in js[:200]


def _diagram_chart() -> None:
    from backprop_core import PRESETS, Session
    from ui.charts import live_plotly
    from viz.network import network_spec

    live_plotly(network_spec(Session(PRESETS["xor"]).net), key="diagram")


def test_without_a_writable_temporary_folder_the_chart_is_still_drawn(monkeypatch):
    """A host whose temporary folder is read-only gets the same figure through st.plotly_chart
    (remounted on every run, as before), not an error."""
    import tempfile

    from ui import charts

    def refuse(*a, **kw):
        raise PermissionError(30, "Read-only file system", "/tmp")

    charts.frame_dir.cache_clear()
    charts._warn_once.cache_clear()
    warned = []
    monkeypatch.setattr(tempfile, "mkdtemp", refuse)
    monkeypatch.setattr(charts._LOG, "warning", lambda *a: warned.append(a))
    try:
        at = AppTest.from_function(_diagram_chart).run()
        at.run()
    finally:
        charts.frame_dir.cache_clear()
        charts._warn_once.cache_clear()
    assert not at.exception and not frames(at)
    assert len(warned) == 1, warned  # once, not on every run
    (chart,) = at.get("plotly_chart")
    fig = json.loads(chart.proto.spec)
    assert any((t.get("meta") or {}).get("role") == "neurons" for t in fig["data"])
