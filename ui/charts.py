"""Drawing a figure that is already a plain plotly dict, without plotly's per-call overhead.

``st.plotly_chart`` validates a dict property by property (~30 ms for the network diagram); given a
``go.Figure`` it deep-copies it and walks it for NumPy arrays (~8 ms). The Step page draws the diagram
on every click, so it hands Streamlit a figure whose ``to_dict`` is the spec itself. The specs come
from viz functions whose output the tests validate in full (tests/test_charts.py,
tests/test_viz_network.py), so nothing invalid reaches the browser this way.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio
import streamlit as st


class ReadyFigure(go.Figure):
    """A figure carrying a finished spec: ``to_dict()`` returns it (with the default template) as is."""

    def __init__(self, spec: dict):
        super().__init__(_validate=False)
        layout = spec.get("layout", {})
        if "template" not in layout:  # what a go.Figure would carry: the active default template
            layout = {**layout, "template": _template(pio.templates.default)}
        self._spec = {**spec, "layout": layout}

    def to_dict(self) -> dict:
        return self._spec


@cache
def _template(name: str | None) -> dict:
    return pio.templates[name].to_plotly_json() if name else {}


def plotly_spec(spec: dict, **kwargs: Any) -> None:
    """``st.plotly_chart`` for a figure dict from viz (same keyword arguments)."""
    st.plotly_chart(ReadyFigure(spec), **kwargs)
