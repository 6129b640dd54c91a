"""Figures for the "Weights" page: W, dL/dW or the update of every layer on one colour scale, and
chosen weights over the iterations.

Row-vector convention: W[i, j] is the weight from input i to neuron j, drawn with i down the rows
and j across the columns, both 1-based on screen. User-facing text comes from the exported
``*_LABELS`` dicts (English); a ``labels`` mapping overrides them key by key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from viz.common import figure, merge_labels  # one validated build per figure (see there why)
from viz.palette import DIVERGING, FONT, NEGATIVE, NEUTRAL, POSITIVE

Array = np.ndarray

LINE_COLORS = (POSITIVE, NEGATIVE, "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
LINE_DASHES = ("solid", "dash", "dot", "dashdot")
MAX_TEXT_CELLS = 64  # matrices this small print their numbers in the cells

HEATMAP_LABELS: dict[str, str] = {
    "title": "Weights per layer (one colour scale, white = 0)",
    "x": "neuron j",
    "y": "input i",
    "value": "value",
    "hover": "(i, j) = (%{y}, %{x})",
    "all_zero": "all values are 0",
    "dropped": "{n} non-finite value(s) left blank",
    "scale": "colour scale \u00b1{top:.3g}",
}

LINES_LABELS: dict[str, str] = {
    "title": "Chosen weights over the iterations",
    "x": "iteration",
    "y": "value",
    "empty": "no weights chosen yet",
    "dropped": "{n} non-finite value(s) not drawn",
}


def shared_limit(matrices: Sequence[Array]) -> float:
    """max |value| over the finite entries of all matrices (1.0 when they are all 0 or empty)."""
    top = 0.0
    for m in matrices:
        v = np.asarray(m, dtype=float)
        v = np.abs(v[np.isfinite(v)])
        if v.size:
            top = max(top, float(v.max()))
    return top if top > 0 else 1.0


def _columns(widths: Sequence[float], spacing: float) -> list[tuple[float, float]]:
    """x domains of side-by-side panels with relative ``widths`` (as make_subplots' column_widths)."""
    free = 1.0 - spacing * (len(widths) - 1)
    out, x = [], 0.0
    for w in widths:
        out.append((x, x + free * w / sum(widths)))
        x = out[-1][1] + spacing
    return out


def weight_heatmaps(matrices: Sequence[Array], titles: Sequence[str], *,
                    labels: Mapping[str, str] | None = None) -> go.Figure:
    """One Heatmap per layer, side by side, on ONE symmetric diverging scale
    (zmin = -zmax, zmid = 0, zmax = max |value| over all layers); hover gives 1-based (i, j) and the
    value at full precision. matrices: 2-D arrays (n_in, n_out); 1-D ones (biases) become a row."""
    lab = merge_labels(HEATMAP_LABELS, labels)
    mats = [np.atleast_2d(np.asarray(m, dtype=float)) for m in matrices]
    top = shared_limit(mats)
    widths = [max(m.shape[1], 2) for m in mats]
    x_tick = 1 if max(widths, default=0) <= 16 else None
    y_tick = 1 if max((m.shape[0] for m in mats), default=0) <= 16 else None
    data, lay, bad = [], {"annotations": []}, 0
    for k, ((x0, x1), m, title) in enumerate(zip(_columns(widths or [1], 0.06), mats, titles)):
        z = m.copy()
        nonfinite = ~np.isfinite(z)
        bad += int(nonfinite.sum())
        z[nonfinite] = np.nan
        suffix = str(k + 1) if k else ""
        data.append({
            "type": "heatmap", "z": z, "x": np.arange(1, z.shape[1] + 1), "y": np.arange(1, z.shape[0] + 1),
            "zmin": -top, "zmax": top, "zmid": 0.0, "colorscale": DIVERGING, "showscale": k == 0, "name": title,
            "colorbar": {"title": {"text": lab["value"]}, "tickformat": ".2~g"},  # 0.0005, not plotly's "500µ"
            "xgap": 1, "ygap": 1,
            "texttemplate": "%{z:.3g}" if z.size <= MAX_TEXT_CELLS else None,  # 3 digits: gradients are small
            "textfont": {"size": FONT["small"]}, "xaxis": f"x{suffix}", "yaxis": f"y{suffix}",
            "hovertemplate": f"{title}<br>{lab['hover']}<br>%{{z}}<extra></extra>"})
        lay[f"xaxis{suffix}"] = {"domain": [x0, x1], "anchor": f"y{suffix}", "title": {"text": lab["x"]},
                                 "dtick": x_tick}
        lay[f"yaxis{suffix}"] = {"domain": [0.0, 1.0], "anchor": f"x{suffix}", "autorange": "reversed",
                                 "dtick": y_tick} | ({"title": {"text": lab["y"]}} if k == 0 else {})
        lay["annotations"].append({"text": title, "x": (x0 + x1) / 2, "y": 1.0, "xref": "paper", "yref": "paper",
                                   "xanchor": "center", "yanchor": "bottom", "showarrow": False})
    notes = [lab["scale"].format(top=top)]
    if all(not np.any(np.nan_to_num(m)) for m in mats):
        notes.append(lab["all_zero"])
    if bad:
        notes.append(lab["dropped"].format(n=bad))
    tallest = max((m.shape[0] for m in mats), default=1)
    height = int(min(760, max(400, 220 + 28 * tallest)))
    return figure(data, lay, lab["title"], notes, height, "weight-heatmaps", top=140)


def weight_lines(iterations: Array, series: Mapping[str, Array], *,
                 labels: Mapping[str, str] | None = None) -> go.Figure:
    """One line per named weight (values aligned with ``iterations``); non-finite points dropped."""
    lab = merge_labels(LINES_LABELS, labels)
    it = np.asarray(iterations, dtype=float)
    data, bad = [], 0
    for k, (name, values) in enumerate(series.items()):
        v = np.asarray(values, dtype=float)
        ok = np.isfinite(v) & np.isfinite(it)
        bad += int((~ok).sum())
        data.append({
            "type": "scatter", "x": it[ok], "y": v[ok], "mode": "lines+markers" if ok.sum() <= 30 else "lines",
            "name": name, "line": {"color": LINE_COLORS[k % len(LINE_COLORS)], "width": 3,
                                   "dash": LINE_DASHES[(k // len(LINE_COLORS)) % len(LINE_DASHES)]},
            "hovertemplate": f"{lab['x']} %{{x}}<br>{name} = %{{y}}<extra></extra>"})
    notes = [] if series else [lab["empty"]]
    if bad:
        notes.append(lab["dropped"].format(n=bad))
    zero = {"type": "line", "xref": "x domain", "x0": 0, "x1": 1, "yref": "y", "y0": 0, "y1": 0,
            "line": {"color": NEUTRAL, "width": 1}}
    lay = {"shapes": [zero], "xaxis": {"title": {"text": lab["x"]}}, "yaxis": {"title": {"text": lab["y"]}},
           "hovermode": "x unified"}
    return figure(data, lay, lab["title"], notes, 420, "weight-lines")
