"""Figures for the "Activations & losses" page: f(z) beside f'(z), and each loss beside dL/da.

Every builder takes plain data and returns a ``go.Figure``; user-facing text comes from the
exported ``*_LABELS`` dicts (English), which a ``labels`` mapping overrides key by key.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from backprop_core.activations import ACTIVATIONS
from backprop_core.losses import LOSSES
from viz.common import base_layout, deep_merge, merge_labels
from viz.palette import FONT, HIGHLIGHT, HIGHLIGHT_FILL, NEGATIVE, NEUTRAL, POSITIVE, TEXT, rgba

Array = np.ndarray

Z_LIMITS = (-6.0, 6.0)  # the default z axis
Z_CAP = 60.0  # a z range wider than this is drawn only up to +-Z_CAP
N_Z = 601  # points along z (spacing 0.02 on [-6, 6])
SATURATION = 0.05  # |f'(z)| below this counts as saturated
SATURATING = ("sigmoid", "tanh", "softmax")
DEAD = ("relu",)
A_EDGE = 0.01  # the loss plot's a stays this far inside (0, 1), where logs are finite and readable
MSE_LIMITS = (-1.0, 2.0)
N_A = 397

ACTIVATION_LABELS: dict[str, str] = {
    "title": "{name}: the function and its derivative",
    "f": "f(z)",
    "df": "f\u2032(z)",
    "x": "z (pre-activation)",
    "y": "value",
    "band": "z seen in this layer (min to max)",
    "band_inner": "middle 90% of z in this layer",
    "saturated": "saturated: |f\u2032(z)| < {threshold:g}",
    "dead": "dead: z < 0, so f\u2032(z) = 0",
    "softmax_note": "softmax, 2-class slice: s(z) with the other logit fixed at 0; derivative s(1 \u2212 s)",
    "range_note": "z in this layer spans [{lo:.3g}, {hi:.3g}]",
    "capped": "z axis cut at \u00b1{cap:g}",
    "masked": "{n} non-finite value(s) not drawn",
}

LOSS_LABELS: dict[str, str] = {
    "title": "{name}: L(a) and dL/da for target y = {y:g}",
    "loss": "L(a)",
    "grad": "dL/da",
    "x": "prediction a",
    "y_loss": "loss L",
    "y_grad": "dL/da",
    "target": "target y",
    "note": "one sample, one output (n = 1)",
    "ce_note": "one output a_k with target y_k; with y_k = 0 the term is 0",
    "masked": "{n} non-finite value(s) not drawn",
    "mse": "mean squared error",
    "bce": "binary cross-entropy",
    "ce": "cross-entropy",
}


class ZRange(NamedTuple):
    """Range of the finite z values of one layer: min, max and the 5th / 95th percentiles."""

    lo: float
    hi: float
    p5: float
    p95: float


# -- shared helpers ---------------------------------------------------------------------------
def _finite(x: Array, y: Array) -> tuple[Array, Array, int]:
    """(x, y) restricted to points where both are finite, and how many were dropped."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    return x[ok], y[ok], int(ok.size - ok.sum())


def _layout(fig: go.Figure, title: str, notes: list[str], height: int, uirevision: str) -> go.Figure:
    """Big fonts, transparent background, a title whose subtitle carries the notes."""
    fig.update_layout(deep_merge(base_layout(title, notes, height, uirevision),
                                 {"legend": {"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0}}))
    fig.update_xaxes(title_font={"size": FONT["base"]}, tickfont={"size": FONT["small"]}, zerolinecolor=NEUTRAL)
    fig.update_yaxes(title_font={"size": FONT["base"]}, tickfont={"size": FONT["small"]}, zerolinecolor=NEUTRAL)
    return fig


def _curve(x: Array, y: Array, name: str, color: str, dash: str, hover: str) -> go.Scatter:
    return go.Scatter(x=x, y=y, mode="lines", name=name, line={"color": color, "width": 4, "dash": dash},
                      hovertemplate=hover + "<extra></extra>")


def _runs(mask: Array) -> list[tuple[int, int]]:
    """(start, end) index pairs, end inclusive, of the runs of True in a 1-D boolean array."""
    m = np.concatenate([[False], np.asarray(mask, dtype=bool), [False]]).astype(np.int8)
    d = np.diff(m)
    starts, ends = np.flatnonzero(d == 1), np.flatnonzero(d == -1) - 1
    return list(zip(starts.tolist(), ends.tolist()))


# -- activations ------------------------------------------------------------------------------
def z_range_of(record_or_trace, layer: int) -> ZRange | None:
    """ZRange of z in 0-based weight layer ``layer`` of a ForwardTrace (or a StepRecord's forward);
    None when the layer holds no finite z."""
    trace = getattr(record_or_trace, "forward", record_or_trace)
    z = np.asarray(trace.layers[layer].z, dtype=float).ravel()
    z = z[np.isfinite(z)]
    if z.size == 0:
        return None
    p5, p95 = np.percentile(z, [5.0, 95.0])
    return ZRange(float(z.min()), float(z.max()), float(p5), float(p95))


def activation_curves(name: str, z: Array) -> tuple[Array, Array]:
    """(f(z), f'(z)) on a 1-D z; softmax gives the 2-class slice s(z) = softmax([z, 0])_0 and s(1 - s)."""
    act = ACTIVATIONS[name]
    z = np.asarray(z, dtype=float)
    if act.elementwise:
        with np.errstate(all="ignore"):
            a = act.f(z)
            return a, act.derivative(z, a)
    z2 = np.column_stack([z, np.zeros_like(z)])
    s = act.f(z2)
    return s[:, 0], act.derivative(z2, s)[:, 0]


def _z_axis(z_range) -> tuple[Array, bool]:
    """The plotted z (N_Z points over Z_LIMITS widened to hold z_range, capped at +-Z_CAP)."""
    lo, hi = Z_LIMITS
    capped = False
    if z_range is not None:
        zl, zh = float(z_range[0]), float(z_range[1])
        if math.isfinite(zl) and math.isfinite(zh):
            lo, hi = min(lo, zl), max(hi, zh)
            capped = lo < -Z_CAP or hi > Z_CAP
            lo, hi = max(lo, -Z_CAP), min(hi, Z_CAP)
    return np.linspace(lo, hi, N_Z), capped


def _flat_regions(name: str, z: Array, df: Array) -> list[tuple[float, float]]:
    """z intervals to shade: saturation (|f'| < SATURATION) or the dead side of ReLU."""
    if name in SATURATING:
        return [(float(z[s]), float(z[e])) for s, e in _runs(np.abs(df) < SATURATION)]
    if name in DEAD:
        return [(float(z[0]), 0.0)] if z[0] < 0 else []
    return []


def _shade(fig: go.Figure, regions: list[tuple[float, float]], legend: str) -> None:
    for k, (x0, x1) in enumerate(regions):
        fig.add_shape(type="rect", xref="x", yref="paper", x0=x0, x1=x1, y0=0, y1=1, layer="below",
                      fillcolor=rgba(NEUTRAL, 0.22), line={"width": 0}, name=legend,
                      showlegend=k == 0, legendgroup="flat")


def _band(fig: go.Figure, z_range, lab: Mapping[str, str]) -> None:
    """The z range the layer sees (and its middle 90% when known) as vertical bands."""
    lo, hi = float(z_range[0]), float(z_range[1])
    fig.add_shape(type="rect", xref="x", yref="paper", x0=max(lo, -Z_CAP), x1=min(hi, Z_CAP), y0=0, y1=1,
                  layer="below", fillcolor=HIGHLIGHT_FILL, line={"color": HIGHLIGHT, "width": 2},
                  name=lab["band"], showlegend=True)
    if isinstance(z_range, ZRange):
        fig.add_shape(type="rect", xref="x", yref="paper", x0=max(z_range.p5, -Z_CAP),
                      x1=min(z_range.p95, Z_CAP), y0=0, y1=1, layer="below", fillcolor=rgba(HIGHLIGHT, 0.25),
                      line={"width": 0}, name=lab["band_inner"], showlegend=True)


def activation_figure(name: str, z_range=None, *, labels: Mapping[str, str] | None = None) -> go.Figure:
    """f(z) and f'(z) over z in [-6, 6] (widened to hold ``z_range``), two Scatter traces.

    ``z_range``: (lo, hi) or a ZRange (from ``z_range_of``) of the z the layer sees, drawn as a band;
    saturated (sigmoid/tanh/softmax) or dead (ReLU) regions are shaded. Shapes carry the bands.
    """
    lab = merge_labels(ACTIVATION_LABELS, labels)
    z, capped = _z_axis(z_range)
    f, df = activation_curves(name, z)
    fig = go.Figure()
    notes, dropped = [], 0
    for y, key, color, dash in ((f, "f", POSITIVE, "solid"), (df, "df", NEGATIVE, "dash")):
        x, y, n = _finite(z, y)
        dropped += n
        fig.add_trace(_curve(x, y, lab[key], color, dash, "z = %{x:.3f}<br>" + lab[key] + " = %{y:.4f}"))
    regions = _flat_regions(name, z, df)
    _shade(fig, regions, lab["saturated"].format(threshold=SATURATION) if name in SATURATING else lab["dead"])
    if name == "softmax":
        notes.append(lab["softmax_note"])
    if z_range is not None and math.isfinite(float(z_range[0])) and math.isfinite(float(z_range[1])):
        _band(fig, z_range, lab)
        notes.append(lab["range_note"].format(lo=float(z_range[0]), hi=float(z_range[1])))
    if capped:
        notes.append(lab["capped"].format(cap=Z_CAP))
    if dropped:
        notes.append(lab["masked"].format(n=dropped))
    fig.update_xaxes(title_text=lab["x"], range=[float(z[0]), float(z[-1])])
    fig.update_yaxes(title_text=lab["y"])
    return _layout(fig, lab["title"].format(name=name), notes, 460, f"activation-{name}")


# -- losses -----------------------------------------------------------------------------------
def loss_curves_of(name: str, y: float, a: Array) -> tuple[Array, Array]:
    """(L(a), dL/da) for one sample with one output and target y, each a at a time (n = 1)."""
    loss = LOSSES[name]
    yy = np.array([[float(y)]])
    with np.errstate(all="ignore"):
        values = np.array([loss.value(np.array([[ai]]), yy) for ai in np.asarray(a, dtype=float)])
        grads = np.array([loss.grad(np.array([[ai]]), yy)[0, 0] for ai in np.asarray(a, dtype=float)])
    return values, grads


def loss_axis(name: str) -> Array:
    """The plotted predictions: [-1, 2] for mse, [A_EDGE, 1 - A_EDGE] for the log losses."""
    lo, hi = MSE_LIMITS if name == "mse" else (A_EDGE, 1.0 - A_EDGE)
    return np.linspace(lo, hi, N_A)


def loss_figure(name: str, y: float, *, labels: Mapping[str, str] | None = None) -> go.Figure:
    """Two stacked panels sharing a: L(a) on top, dL/da below, with the target y as a dashed line."""
    lab = merge_labels(LOSS_LABELS, labels)
    a = loss_axis(name)
    values, grads = loss_curves_of(name, y, a)
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08)
    dropped = 0
    for row, (vals, key, color, dash) in enumerate(((values, "loss", POSITIVE, "solid"),
                                                    (grads, "grad", NEGATIVE, "dash")), start=1):
        x, v, n = _finite(a, vals)
        dropped += n
        fig.add_trace(_curve(x, v, lab[key], color, dash, "a = %{x:.3f}<br>" + lab[key] + " = %{y:.4g}"),
                      row=row, col=1)
    if a[0] <= y <= a[-1]:
        fig.add_vline(x=float(y), line={"color": TEXT, "dash": "dot", "width": 2}, annotation_text=lab["target"],
                      annotation_font_size=FONT["small"])
    fig.add_hline(y=0, line={"color": NEUTRAL, "width": 1}, row=2, col=1)
    notes = [lab["ce_note"] if name == "ce" else lab["note"]]
    if dropped:
        notes.append(lab["masked"].format(n=dropped))
    fig.update_xaxes(title_text=lab["x"], row=2, col=1)
    fig.update_yaxes(title_text=lab["y_loss"], row=1, col=1)
    fig.update_yaxes(title_text=lab["y_grad"], row=2, col=1)
    title = lab["title"].format(name=lab.get(name, name), y=float(y))
    return _layout(fig, title, notes, 560, f"loss-{name}")
