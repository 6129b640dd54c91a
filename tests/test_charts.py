"""ui.charts: a ready figure dict reaches the browser exactly as the validated plotly path would send it."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest


def _script(preset: str, focus) -> None:
    import plotly.graph_objects as go
    import streamlit as st

    from backprop_core import PRESETS, Session
    from ui.charts import plotly_spec
    from viz.network import DiagramView, network_spec, view_for

    s = Session(PRESETS[preset])
    s.run(2)
    s.next_phase()
    s.next_phase()
    rec = s.record
    for i, view in enumerate([DiagramView()] + [view_for(rec, ph, 0) for ph in s.phases]):
        spec = network_spec(s.net_before(rec), view, focus=focus)
        plotly_spec(spec, key=f"fast{i}", config={"displayModeBar": False})
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


@pytest.mark.parametrize("preset, focus", [("xor", None), ("xor", (1, 2)), ("digits_fast", None)])
def test_ready_figure_sends_what_the_validated_path_sends(preset, focus):
    at = AppTest.from_function(_script, args=(preset, focus), default_timeout=60).run()
    assert not at.exception
    protos = [c.proto for c in at.get("plotly_chart")]
    assert len(protos) >= 8 and len(protos) % 2 == 0
    for fast, slow in zip(protos[::2], protos[1::2]):
        a, b = json.loads(fast.spec), plain(json.loads(slow.spec))  # fast sends plain lists
        assert a["layout"]["template"] == b["layout"]["template"]  # Streamlit's own plotly theme
        assert a == b
        assert fast.config == slow.config
