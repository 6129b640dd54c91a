"""The class poll's answers as a histogram beside the correct value (a pure figure of numbers)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from .common import figure, merge_labels
from .palette import HIGHLIGHT, NEGATIVE, NEUTRAL, POSITIVE

DEFAULT_LABELS = {"title": "The class's answers", "answers": "answers", "count": "students", "truth": "correct",
                  "up": "up", "down": "down", "n": "{n} answered"}
MAX_BINS = 12


def poll_bins(answers: Sequence[float], truth: float) -> tuple[np.ndarray, np.ndarray]:
    """(bin edges, counts) of ``answers`` over a range that always includes ``truth``: at most
    MAX_BINS equal bins, at least one; an outlier does not squash the rest into one bar (the range is
    the 5th..95th percentile widened to the truth, with the extremes counted in the end bins)."""
    a = np.asarray(answers, dtype=float)
    if a.size == 0:
        lo, hi = truth - 1.0, truth + 1.0
    else:
        lo, hi = np.percentile(a, [5, 95]) if a.size >= 20 else (a.min(), a.max())
        lo, hi = min(lo, truth), max(hi, truth)
    if hi - lo < 1e-12 * max(1.0, abs(truth)):
        pad = max(abs(truth) * 0.05, 1e-6)
        lo, hi = lo - pad, hi + pad
    n_bins = int(min(MAX_BINS, max(1, np.ceil(np.sqrt(max(a.size, 1))) + 2)))
    edges = np.linspace(lo, hi, n_bins + 1)
    counts = np.histogram(np.clip(a, lo, hi), bins=edges)[0] if a.size else np.zeros(n_bins, dtype=int)
    return edges, counts


def _count_tick(counts) -> int:
    """Whole students on the count axis: about five ticks, never fractions."""
    return max(1, int(np.ceil(max(list(counts) + [1]) / 5)))


def poll_figure(answers: Sequence[float], truth: float, kind: str, revealed: bool,
                labels: Mapping[str, str] | None = None) -> go.Figure:
    """Bars of how many students answered what; the correct value as a line once ``revealed``.
    ``kind`` 'update' answers are directions (+1 up, -1 down): two bars."""
    lab = merge_labels(DEFAULT_LABELS, labels)
    notes = [lab["n"].format(n=len(answers))]
    if kind == "update":
        ups = sum(1 for v in answers if v > 0)
        x, y = [lab["up"], lab["down"]], [ups, len(answers) - ups]
        colors = [POSITIVE, NEGATIVE]
        if revealed:
            colors = [POSITIVE if truth > 0 else NEUTRAL, NEGATIVE if truth < 0 else NEUTRAL]
        data = [go.Bar(x=x, y=y, marker={"color": colors}, text=y, textposition="outside",
                       hovertemplate="%{x}: %{y}<extra></extra>")]
        lay = {"xaxis": {"title": {"text": lab["answers"]}},
               "yaxis": {"title": {"text": lab["count"]}, "rangemode": "tozero", "dtick": _count_tick(y)},
               "showlegend": False, "bargap": 0.3}
        return figure(data, lay, lab["title"], notes, 360, "poll")
    edges, counts = poll_bins(answers, truth)
    mids, width = (edges[:-1] + edges[1:]) / 2, float(edges[1] - edges[0])
    data = [go.Bar(x=mids, y=counts, width=width * 0.92, marker={"color": POSITIVE}, name=lab["answers"],
                   customdata=np.stack([edges[:-1], edges[1:]], axis=1),
                   hovertemplate="%{customdata[0]:.4g} … %{customdata[1]:.4g}: %{y}<extra></extra>")]
    shapes, annotations = [], []
    if revealed:
        shapes.append({"type": "line", "x0": truth, "x1": truth, "yref": "paper", "y0": 0, "y1": 1,
                       "line": {"color": HIGHLIGHT, "width": 5}})
        annotations.append({"x": truth, "y": 1, "yref": "paper", "yanchor": "bottom", "showarrow": False,
                            "text": f"{lab['truth']} = {truth:.4g}"})
    lay = {"xaxis": {"title": {"text": lab["answers"]}},
           "yaxis": {"title": {"text": lab["count"]}, "rangemode": "tozero", "dtick": _count_tick(counts)},
           "showlegend": False,
           "shapes": shapes, "annotations": annotations}
    return figure(data, lay, lab["title"], notes, 360, "poll")
