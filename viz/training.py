"""Figures for the "Training" page: loss/accuracy curves, the decision boundary over the input
plane, hidden units, gradient and unit health, confusion matrix, digit images and first-layer filters.

``history`` is a ``backprop_core.session.History`` (or any mapping of column name -> 1-D array):
NaN means "not evaluated at that iteration", so those points are dropped and the rest connected.
Unit and layer numbers on screen are 1-based. User-facing text comes from the exported
``*_LABELS`` dicts (English); a ``labels`` mapping overrides them key by key.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from viz.common import figure, merge_labels
from viz.palette import DIVERGING, FONT, NEGATIVE, NEUTRAL, POSITIVE, TEXT

Array = np.ndarray

# Okabe-Ito: class 0 vermillion and class 1 blue, matching the binary probability map.
CLASS_COLORS = (NEGATIVE, POSITIVE, "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#999999",
                "#F0E442", "#8C564B")
LAYER_COLORS = (POSITIVE, NEGATIVE, "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
SEQUENTIAL = ((0.0, "#FFFFFF"), (1.0, POSITIVE))  # counts and non-negative activations
GREYS = ((0.0, "#FFFFFF"), (1.0, "#000000"))  # digit images: 0 white, ink black
GL_THRESHOLD = 5_000  # more points than this per line: WebGL scatter
RATIO_REFERENCE = 1e-3  # the update/weight ratio rule of thumb

CURVE_LABELS: dict[str, str] = {
    "loss_title": "Loss",
    "acc_title": "Accuracy",
    "x": "iteration",
    "loss": "loss",
    "acc": "accuracy",
    "epoch": "epoch",
    "batch_loss": "batch loss",
    "train_loss": "training loss",
    "train_loss_full": "training loss (whole set)",
    "test_loss": "test loss",
    "batch_acc": "batch accuracy",
    "train_acc": "training accuracy",
    "train_acc_full": "training accuracy (whole set)",
    "test_acc": "test accuracy",
    "empty": "no iterations yet",
    "no_acc": "accuracy is not defined for regression",
    "dropped": "{n} infinite or non-positive value(s) not drawn",
}

BOUNDARY_LABELS: dict[str, str] = {
    "title": "What the network predicts over the input plane",
    "title_1d": "The network's fitted curve",
    "x": "x\u2081",
    "y": "x\u2082",
    "target": "y",
    "train": "train: {cls}",
    "test": "test: {cls}",
    "train_points": "training points",
    "test_points": "test points",
    "prob": "P({cls})",
    "boundary": "P = 0.5",
    "fit": "network output",
    "output": "output",
    "class": "class {k}",
    "confidence": "colour strength = confidence of the predicted class",
    "dropped": "{n} non-finite output(s) left blank",
}

UNITS_LABELS: dict[str, str] = {
    "title": "Each hidden unit's output over the input plane",
    "unit": "unit {j}",
    "more": "first {m} of {n} units shown",
    "value": "a",
    "x": "x\u2081",
    "y": "x\u2082",
    "dropped": "{n} non-finite value(s) left blank",
}

HEALTH_LABELS: dict[str, str] = {
    "title": "Gradient health per layer",
    "grad": "gradient norm \u2016dL/dW\u2016",
    "ratio": "update / weight ratio \u2016\u0394W\u2016 / \u2016W\u2016",
    "reference": "10\u207b\u00b3 (rule of thumb)",
    "x": "iteration",
    "layer": "layer {l}",
    "dropped": "{n} zero or non-finite value(s) cannot be drawn on a log axis",
    "unit_title": "Dead and saturated units per layer",
    "dead": "layer {l}: dead (ReLU never active)",
    "saturated": "layer {l}: saturated (sigmoid/tanh)",
    "fraction": "fraction of units",
    "none": "no ReLU, sigmoid or tanh layer to watch",
    "empty": "no iterations yet",
}

CONFUSION_LABELS: dict[str, str] = {
    "title": "Confusion matrix: accuracy {acc:.1%} on {n} samples",
    "empty_title": "Confusion matrix",
    "x": "predicted class",
    "y": "true class",
    "count": "samples",
    "hover": "true {y}, predicted {x}",
    "row_share": "of this true class",
    "empty": "no samples",
}

DIGIT_LABELS: dict[str, str] = {
    "title": "Test images: predicted class (probability)",
    "right": "{pred} ({p:.0%})",
    "wrong": "\u2717 {pred} ({p:.0%}), true {true}",
    "mistakes": "{k} of {n} shown are wrong (vermillion)",
    "filters_title": "First-layer weights: what each hidden unit looks for",
    "unit": "unit {j}",
    "more": "first {m} of {n} units shown",
    "weight": "w",
    "pixel": "row {r}, column {c}",
}


# -- shared helpers ---------------------------------------------------------------------------
def _column(history, name: str) -> Array | None:
    """A History column (or mapping entry) as a float array; None if the column does not exist."""
    if isinstance(history, Mapping):
        return None if name not in history else np.asarray(history[name], dtype=float)
    return np.asarray(history.column(name), dtype=float) if name in history.columns else None


def _n_rows(history) -> int:
    it = _column(history, "iteration")
    return 0 if it is None else len(it)


def _scatter(n: int):
    return go.Scattergl if n > GL_THRESHOLD else go.Scatter


def _series(history, name: str, *, log: bool = False) -> tuple[Array, Array, Array, int]:
    """(iteration, value, epoch) where the value is usable, and how many infinite (or, on a log axis,
    non-positive) values were dropped; NaN (not evaluated) is dropped silently."""
    it, v = _column(history, "iteration"), _column(history, name)
    if it is None or v is None:
        return np.empty(0), np.empty(0), np.empty(0), 0
    ep = _column(history, "epoch")
    ep = np.full_like(v, np.nan) if ep is None else ep
    ok = np.isfinite(v) & np.isfinite(it)
    if log:
        ok &= v > 0
    bad = int(np.sum(~ok & ~np.isnan(v)))
    return it[ok], v[ok], ep[ok], bad


def _curve(history, name: str, legend: str, color: str, *, log: bool = False, dash: str = "solid",
           width: float = 3, opacity: float = 1.0, value_format: str = ".4g",
           value_label: str = "", epoch_label: str = "epoch", x_label: str = "iteration",
           legendgroup: str | None = None, showlegend: bool = True) -> tuple[go.Scatter | None, int]:
    """One history column as a line (markers too when short); None when it holds no usable point."""
    x, y, ep, bad = _series(history, name, log=log)
    if not x.size:
        return None, bad
    hover = (f"{x_label} %{{x}}<br>{epoch_label} %{{customdata:.2f}}<br>{value_label or legend} "
             f"%{{y:{value_format}}}<extra>{legend}</extra>")
    tr = _scatter(x.size)(x=x, y=y, customdata=ep, mode="lines+markers" if x.size <= 30 else "lines", name=legend,
                          line={"color": color, "width": width, "dash": dash}, opacity=opacity,
                          hovertemplate=hover, legendgroup=legendgroup, showlegend=showlegend)
    return tr, bad


def _same(history, a: str, b: str) -> bool:
    """True when column b is, wherever evaluated, equal to column a (full-batch training)."""
    va, vb = _column(history, a), _column(history, b)
    if va is None or vb is None:
        return True
    ok = ~np.isnan(vb)
    return bool(np.array_equal(va[ok], vb[ok]))


def _empty(text: str) -> dict:
    """A centred grey note (layout annotation) for a figure with nothing to draw."""
    return {"text": text, "x": 0.5, "y": 0.5, "xref": "paper", "yref": "paper", "showarrow": False,
            "font": {"size": FONT["base"], "color": NEUTRAL}}


SUPERSCRIPT = str.maketrans("-0123456789", "\u207b\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079")


def _tick_text(v: float) -> str:
    """0.002 -> '0.002', 2e-05 -> '2×10⁻⁵', 1e-06 -> '10⁻⁶'."""
    if 1e-3 <= v < 1e4:
        return f"{v:g}"
    m, e = f"{v:.1e}".split("e")
    m = m.rstrip("0").rstrip(".")
    power = "10" + str(int(e)).translate(SUPERSCRIPT)
    return power if m == "1" else f"{m}\u00d7{power}"


def log_ticks(lo: float, hi: float, max_ticks: int = 8) -> tuple[list[float], list[str]]:
    """Tick values and labels for a log axis over [lo, hi] (0 < lo <= hi): powers of ten, with 2 and 5
    (then 1.5, 3, 7) in between when that gives fewer than three ticks. Plotly's own labels on a short
    log range are single small digits ("2", "5") that cannot be read on a projector. Empty: let plotly choose."""
    if not (math.isfinite(lo) and math.isfinite(hi) and 0 < lo <= hi):
        return [], []
    k0, k1 = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    vals: list[float] = []
    for mantissas in ((1,), (1, 2, 5), (1, 1.5, 2, 3, 5, 7)):
        vals = [float(f"{m * 10.0 ** k:.3g}") for k in range(k0, k1 + 1) for m in mantissas]
        vals = [v for v in vals if lo * (1 - 1e-9) <= v <= hi * (1 + 1e-9)]
        if len(vals) >= 3:
            break
    if len(vals) < 2:
        return [], []
    vals = vals[:: math.ceil(len(vals) / max_ticks)]
    return vals, [_tick_text(v) for v in vals]


def _log_axis(traces: Sequence, *extra: float) -> dict:
    """Axis settings for a log y axis holding ``traces`` (and the values ``extra``): readable log_ticks."""
    ys = [np.asarray(tr.y, dtype=float) for tr in traces if tr.y is not None and len(tr.y)]
    y = np.concatenate(ys + [np.asarray(extra, dtype=float)])
    y = y[np.isfinite(y) & (y > 0)]
    vals, text = log_ticks(float(y.min()), float(y.max())) if y.size else ([], [])
    return {"type": "log"} | ({"tickvals": vals, "ticktext": text} if vals else {})


# -- loss and accuracy ----------------------------------------------------------------------
def _metric_figure(history, keys: tuple[str, str, str], names: tuple[str, str, str, str], lab: Mapping[str, str],
                   log_y: bool, value_format: str) -> tuple[go.Figure, list[str], int]:
    """Batch, whole-training-set and test series of one metric; returns (figure, notes, traces)."""
    batch, train, test = keys
    fig, bad_total = go.Figure(), 0
    if _same(history, batch, train):
        specs = [(batch, names[1], POSITIVE, "solid", 1.0), (test, names[3], NEGATIVE, "dash", 1.0)]
    else:
        specs = [(batch, names[0], POSITIVE, "solid", 0.35), (train, names[2], POSITIVE, "solid", 1.0),
                 (test, names[3], NEGATIVE, "dash", 1.0)]
    for col, legend, color, dash, opacity in specs:
        tr, bad = _curve(history, col, legend, color, log=log_y, dash=dash, opacity=opacity,
                         width=2 if opacity < 1 else 3, value_format=value_format,
                         x_label=lab["x"], epoch_label=lab["epoch"])
        bad_total += bad
        if tr is not None:
            fig.add_trace(tr)
    notes = [lab["dropped"].format(n=bad_total)] if bad_total else []
    return fig, notes, len(fig.data)


def loss_curves(history, *, log_y: bool = False, labels: Mapping[str, str] | None = None) -> go.Figure:
    """Loss against iteration: the batch loss, the loss on the whole training set when it differs
    (mini-batch), and the test loss; NaN rows dropped, hover shows iteration, epoch and value."""
    lab = merge_labels(CURVE_LABELS, labels)
    names = (lab["batch_loss"], lab["train_loss"], lab["train_loss_full"], lab["test_loss"])
    fig, notes, n = _metric_figure(history, ("loss", "train_loss", "test_loss"), names, lab, log_y, ".4g")
    lay = {"xaxis": {"title": {"text": lab["x"]}},
           "yaxis": {"title": {"text": lab["loss"]}} | (_log_axis(fig.data) if log_y else {"type": "linear"}),
           "hovermode": "x unified" if n else "closest", "annotations": [] if n else [_empty(lab["empty"])]}
    return figure(fig.data, lay, lab["loss_title"], notes, 420, "loss-curves")


def accuracy_curves(history, *, labels: Mapping[str, str] | None = None) -> go.Figure:
    """Accuracy against iteration (batch, whole training set when it differs, test) on a 0-100% axis."""
    lab = merge_labels(CURVE_LABELS, labels)
    names = (lab["batch_acc"], lab["train_acc"], lab["train_acc_full"], lab["test_acc"])
    fig, notes, n = _metric_figure(history, ("acc", "train_acc", "test_acc"), names, lab, False, ".1%")
    lay = {"xaxis": {"title": {"text": lab["x"]}},
           "yaxis": {"title": {"text": lab["acc"]}, "range": [-0.02, 1.02], "tickformat": ".0%"},
           "hovermode": "x unified" if n else "closest",
           "annotations": [] if n else [_empty(lab["no_acc"] if _n_rows(history) else lab["empty"])]}
    return figure(fig.data, lay, lab["acc_title"], notes, 420, "accuracy-curves")


# -- the input plane --------------------------------------------------------------------------
def input_grid(X: Array, resolution: int = 80, margin: float = 0.5) -> tuple[Array, Array | None, Array]:
    """A grid over the data's bounding box widened by ``margin``.

    2 features: xx (resolution,), yy (resolution,), grid_points (resolution**2, 2) with row
    i * len(xx) + j = (xx[j], yy[i]) (so outputs reshape to (len(yy), len(xx))).
    1 feature: xx (max(resolution, 200),), yy None, grid_points (len(xx), 1).
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] not in (1, 2):
        raise ValueError(f"input_grid needs X of shape (n, 1) or (n, 2), got {X.shape}.")
    axes = []
    for col in X.T:
        col = col[np.isfinite(col)]
        lo, hi = (float(col.min()), float(col.max())) if col.size else (-1.0, 1.0)
        axes.append((lo - margin, hi + margin))
    if X.shape[1] == 1:
        xx = np.linspace(*axes[0], max(resolution, 200))
        return xx, None, xx[:, None]
    xx, yy = np.linspace(*axes[0], resolution), np.linspace(*axes[1], resolution)
    gx, gy = np.meshgrid(xx, yy)
    return xx, yy, np.column_stack([gx.ravel(), gy.ravel()])


def _class_ids(y: Array | None, task: str) -> Array:
    """Integer classes from labels (n,), a (n, 1) 0/1 column or one-hot (n, k)."""
    y = np.zeros(0) if y is None else np.asarray(y, dtype=float)
    if y.ndim == 2 and y.shape[1] > 1:
        return np.argmax(y, axis=1)
    y = y.reshape(-1)
    return (y > 0.5).astype(int) if task == "binary" else np.rint(y).astype(int)


def _blend(color: str, share: float) -> str:
    """``share`` of the colour on white, as 'rgb(r, g, b)'."""
    h = color.lstrip("#")
    rgb = [int(h[k:k + 2], 16) for k in (0, 2, 4)]
    return "rgb({}, {}, {})".format(*(round(255 + (c - 255) * share) for c in rgb))


def class_colorscale(k: int) -> list[tuple[float, str]]:
    """Class c owns [c/k, (c+1)/k]: a pale tint of its colour at low confidence, stronger at high."""
    scale = []
    for c in range(k):
        col = CLASS_COLORS[c % len(CLASS_COLORS)]
        scale += [(c / k, _blend(col, 0.12)), ((c + 1) / k, _blend(col, 0.45))]
    return scale


def _class_names(k: int, class_names: Sequence[str] | None, lab: Mapping[str, str]) -> list[str]:
    names = list(class_names or [])
    return names + [lab["class"].format(k=c) for c in range(len(names), k)]


def _points(fig: go.Figure, X: Array, cls: Array, names: list[str], lab: Mapping[str, str], test: bool) -> None:
    """Data points, one trace per class: training as filled circles, test as open diamonds."""
    X = np.asarray(X, dtype=float)
    for c in np.unique(cls):
        sel = (cls == c) & np.all(np.isfinite(X), axis=1)
        if not sel.any():
            continue
        col = CLASS_COLORS[int(c) % len(CLASS_COLORS)]
        name = lab["test" if test else "train"].format(cls=names[int(c)] if 0 <= c < len(names) else c)
        marker = ({"symbol": "diamond-open", "size": 15, "color": col, "line": {"width": 3, "color": col}} if test else
                  {"symbol": "circle", "size": 11, "color": col, "line": {"width": 1.5, "color": "#FFFFFF"}})
        hover = f"{lab['x']} = %{{x:.3f}}<br>{lab['y']} = %{{y:.3f}}<extra>{name}</extra>"
        fig.add_trace(go.Scatter(x=X[sel, 0], y=X[sel, 1], mode="markers", name=name, marker=marker,
                                 hovertemplate=hover))


def _grid_values(predict_grid, grid: Array) -> Array:
    out = predict_grid(grid) if callable(predict_grid) else predict_grid
    out = np.asarray(out, dtype=float)
    return out.reshape(len(grid), -1)


def _masked(z: Array) -> tuple[Array, int]:
    """z with non-finite cells as NaN (drawn as gaps), and how many there were."""
    z = np.array(z, dtype=float)
    bad = ~np.isfinite(z)
    z[bad] = np.nan
    return z, int(bad.sum())


def decision_boundary(predict_grid: Array | Callable[[Array], Array], xx: Array, yy: Array | None,
                      X_train: Array, y_train: Array, X_test: Array | None, y_test: Array | None, task: str, *,
                      class_names: Sequence[str] | None = None,
                      labels: Mapping[str, str] | None = None) -> go.Figure:
    """Network output over the input plane with the data on top.

    ``predict_grid``: outputs (n_grid, k) on ``input_grid``'s grid_points (or a function of them).
    binary: Heatmap of P(class 1) on a diverging scale centred at 0.5 plus the 0.5 Contour;
    multiclass: Heatmap of z = argmax class + confidence (pale = unsure); regression with 1 input:
    the fitted curve against the points (``yy`` None); with 2 inputs: a Viridis heatmap of the output.
    ``y_*``: class indices (n,), a 0/1 column or one-hot rows; regression targets for regression.
    """
    lab = merge_labels(BOUNDARY_LABELS, labels)
    xx = np.asarray(xx, dtype=float)
    if yy is None:
        return _regression_1d(_grid_values(predict_grid, xx[:, None]), xx, X_train, y_train, X_test, y_test, lab)
    yy = np.asarray(yy, dtype=float)
    gx, gy = np.meshgrid(xx, yy)
    out = _grid_values(predict_grid, np.column_stack([gx.ravel(), gy.ravel()]))
    fig, notes = go.Figure(), []
    if task == "multiclass":
        names = _class_names(out.shape[1], class_names, lab)
        bad = _multiclass_map(fig, out, xx, yy, names)
        notes.append(lab["confidence"])
    else:
        names = _class_names(2, class_names, lab)
        bad = _binary_map(fig, out[:, 0], xx, yy, names, lab, regression=task == "regression")
    if bad:
        notes.append(lab["dropped"].format(n=bad))
    if task == "regression":
        _regression_points(fig, X_train, y_train, X_test, y_test, lab)
    else:
        _points(fig, X_train, _class_ids(y_train, task), names, lab, test=False)
        if X_test is not None and len(X_test):
            _points(fig, X_test, _class_ids(y_test, task), names, lab, test=True)
    lay = {"xaxis": {"title": {"text": lab["x"]}, "range": [float(xx[0]), float(xx[-1])], "constrain": "domain"},
           "yaxis": {"title": {"text": lab["y"]}, "range": [float(yy[0]), float(yy[-1])], "scaleanchor": "x",
                     "scaleratio": 1, "constrain": "domain"},
           "legend": {"orientation": "h", "yanchor": "top", "y": -0.15, "x": 0}}
    return figure(fig.data, lay, lab["title"], notes, 620, "decision-boundary")


def _binary_map(fig: go.Figure, p: Array, xx: Array, yy: Array, names: list[str], lab: Mapping[str, str], *,
                regression: bool) -> int:
    z, bad = _masked(p.reshape(len(yy), len(xx)))
    if regression:
        fig.add_trace(go.Heatmap(x=xx, y=yy, z=z, colorscale="Viridis", name=lab["output"],
                                 colorbar={"title": {"text": lab["output"]}},
                                 hovertemplate="(%{x:.2f}, %{y:.2f}): %{z:.4g}<extra></extra>"))
        return bad
    prob = lab["prob"].format(cls=names[1])
    fig.add_trace(go.Heatmap(x=xx, y=yy, z=z, zmin=0.0, zmax=1.0, zmid=0.5, colorscale=DIVERGING, opacity=0.8,
                             zsmooth="best", name=prob, colorbar={"title": {"text": prob}},
                             hovertemplate="(%{x:.2f}, %{y:.2f})<br>" + prob + " = %{z:.3f}<extra></extra>"))
    if np.isfinite(z).any() and np.nanmin(z) < 0.5 < np.nanmax(z):  # the boundary exists inside the view
        fig.add_trace(go.Contour(x=xx, y=yy, z=z, showscale=False, name=lab["boundary"], hoverinfo="skip",
                                 contours={"start": 0.5, "end": 0.5, "size": 1.0, "coloring": "none"},
                                 line={"color": TEXT, "width": 3}, showlegend=True))
    return bad


def _multiclass_map(fig: go.Figure, out: Array, xx: Array, yy: Array, names: list[str]) -> int:
    k = out.shape[1]
    finite = np.all(np.isfinite(out), axis=1)
    safe = np.where(finite[:, None], out, 0.0)
    cls, conf = safe.argmax(axis=1), safe.max(axis=1)
    strength = np.clip((conf - 1.0 / k) / (1.0 - 1.0 / k), 0.0, 1.0)
    z = np.where(finite, cls + 0.999 * strength, np.nan).reshape(len(yy), len(xx))
    text = np.array([f"{names[c]} ({p:.0%})" for c, p in zip(cls, conf)], dtype=object).reshape(z.shape)
    fig.add_trace(go.Heatmap(x=xx, y=yy, z=z, zmin=0.0, zmax=float(k), colorscale=class_colorscale(k),
                             showscale=False, text=text, name="argmax",
                             hovertemplate="(%{x:.2f}, %{y:.2f}): %{text}<extra></extra>"))
    return int((~finite).sum())


def _regression_points(fig: go.Figure, X_train: Array, y_train: Array, X_test: Array | None, y_test: Array | None,
                       lab: Mapping[str, str]) -> None:
    for X, y, test in ((X_train, y_train, False), (X_test, y_test, True)):
        if X is None or not len(X):
            continue
        X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float).reshape(len(X), -1)[:, 0]
        ok = np.all(np.isfinite(X), axis=1) & np.isfinite(y)
        name = lab["test_points" if test else "train_points"]
        fig.add_trace(go.Scatter(x=X[ok, 0], y=X[ok, 1], mode="markers", name=name,
                                 marker={"color": y[ok], "colorscale": "Viridis", "size": 12 if test else 10,
                                         "symbol": "diamond" if test else "circle",
                                         "line": {"width": 1.5, "color": TEXT if test else "#FFFFFF"}},
                                 hovertemplate="(%{x:.2f}, %{y:.2f}): %{marker.color:.4g}<extra></extra>"))


def _regression_1d(out: Array, xx: Array, X_train: Array, y_train: Array, X_test: Array | None,
                   y_test: Array | None, lab: Mapping[str, str]) -> go.Figure:
    fig = go.Figure()
    for X, y, test in ((X_train, y_train, False), (X_test, y_test, True)):
        if X is None or not len(X):
            continue
        x, v = np.asarray(X, dtype=float)[:, 0], np.asarray(y, dtype=float).reshape(len(X), -1)[:, 0]
        ok = np.isfinite(x) & np.isfinite(v)
        col = NEGATIVE if test else POSITIVE
        fig.add_trace(go.Scatter(x=x[ok], y=v[ok], mode="markers", name=lab["test_points" if test else "train_points"],
                                 marker={"color": col, "size": 10, "symbol": "diamond-open" if test else "circle",
                                         "line": {"width": 2 if test else 0, "color": col}}))
    fit = out[:, 0]
    ok = np.isfinite(fit)
    fig.add_trace(go.Scatter(x=xx[ok], y=fit[ok], mode="lines", name=lab["fit"], line={"color": TEXT, "width": 4},
                             hovertemplate=f"{lab['x']} = %{{x:.3f}}<br>{lab['output']} = %{{y:.4g}}<extra></extra>"))
    notes = [lab["dropped"].format(n=int((~ok).sum()))] if (~ok).any() else []
    lay = {"xaxis": {"title": {"text": lab["x"]}}, "yaxis": {"title": {"text": lab["target"]}}}
    return figure(fig.data, lay, lab["title_1d"], notes, 480, "decision-boundary")


def _panels(m: int, rows: int, cols: int, titles: Sequence[str], h_space: float, v_space: float, *,
            title_colors: Sequence[str] | None = None) -> tuple[dict, list[tuple[str, str]]]:
    """Layout entries for m panels in a rows x cols grid, as make_subplots would place them, plus each
    panel's (xaxis, yaxis) trace references. Built as one dict: plotly's per-axis updates revalidate
    the whole layout each time, which made a 32-panel figure take about a second."""
    w = (1.0 - h_space * (cols - 1)) / cols
    h = (1.0 - v_space * (rows - 1)) / rows
    lay: dict = {"annotations": []}
    refs = []
    for k in range(m):
        r, c = divmod(k, cols)
        suffix = str(k + 1) if k else ""
        x0, y1 = c * (w + h_space), 1.0 - r * (h + v_space)
        lay[f"xaxis{suffix}"] = {"domain": [x0, x0 + w], "anchor": f"y{suffix}"}
        lay[f"yaxis{suffix}"] = {"domain": [max(0.0, y1 - h), y1], "anchor": f"x{suffix}"}
        font = {"size": FONT["small"]} | ({"color": title_colors[k]} if title_colors is not None else {})
        lay["annotations"].append({"text": titles[k], "x": x0 + w / 2, "y": y1, "xref": "paper", "yref": "paper",
                                   "xanchor": "center", "yanchor": "bottom", "showarrow": False, "font": font})
        refs.append((f"x{suffix}", f"y{suffix}"))
    return lay, refs


# -- small multiples ----------------------------------------------------------------------------
def _grid_shape(m: int, max_cols: int) -> tuple[int, int]:
    cols = max(1, min(max_cols, math.ceil(math.sqrt(m))))
    return math.ceil(m / cols), cols


def _shared_scale(values: Array) -> dict:
    """One colour scale for many panels: symmetric diverging when values change sign, else 0..max."""
    v = values[np.isfinite(values)]
    top = float(np.abs(v).max()) if v.size else 0.0
    top = top if top > 0 else 1.0
    if v.size and v.min() < 0:
        return {"zmin": -top, "zmax": top, "zmid": 0.0, "colorscale": DIVERGING}
    return {"zmin": 0.0, "zmax": top, "colorscale": SEQUENTIAL}


def hidden_units_grid(activations_over_grid: Array, xx: Array, yy: Array | None, *, max_units: int = 16,
                      labels: Mapping[str, str] | None = None) -> go.Figure:
    """Small multiples of each unit's output, activations_over_grid (n_grid, n_units) on input_grid's
    points: one Heatmap per unit with one shared colour scale (1-D inputs: one line per unit)."""
    lab = merge_labels(UNITS_LABELS, labels)
    A = np.asarray(activations_over_grid, dtype=float)
    n = A.shape[1]
    m = min(n, max_units)
    rows, cols = _grid_shape(m, 4)
    titles = [lab["unit"].format(j=j + 1) for j in range(m)]
    lay, refs = _panels(m, rows, cols, titles, 0.04, 0.12 / rows + 0.02)
    scale, (A_shown, bad) = _shared_scale(A[:, :m]), _masked(A[:, :m])
    data = []
    for j, (xref, yref) in enumerate(refs):
        if yy is None:
            data.append({"type": "scatter", "x": np.asarray(xx), "y": A_shown[:, j], "mode": "lines",
                         "showlegend": False, "xaxis": xref, "yaxis": yref, "line": {"color": POSITIVE, "width": 3},
                         "name": titles[j]})
            continue
        data.append({"type": "heatmap", "x": xx, "y": yy, "z": A_shown[:, j].reshape(len(yy), len(xx)),
                     "showscale": j == 0, "name": titles[j], "colorbar": {"title": {"text": lab["value"]}},
                     "xaxis": xref, "yaxis": yref,
                     "hovertemplate": "(%{x:.2f}, %{y:.2f}): %{z:.3f}<extra>%{fullData.name}</extra>", **scale})
    for key in lay:
        if key.startswith(("xaxis", "yaxis")):
            lay[key]["showticklabels"] = False
    notes = [lab["more"].format(m=m, n=n)] if m < n else []
    if bad:
        notes.append(lab["dropped"].format(n=bad))
    return figure(data, lay, lab["title"], notes, 160 + 200 * rows, "hidden-units", top=140)


# -- gradient and unit health ------------------------------------------------------------------
def gradient_health(history, n_layers: int, *, labels: Mapping[str, str] | None = None) -> go.Figure:
    """Two stacked log-y panels: per-layer gradient norm, then update/weight ratio with a dashed
    1e-3 line; one colour per layer, so vanishing gradients in early sigmoid layers stand out."""
    lab = merge_labels(HEALTH_LABELS, labels)
    lay, refs = _panels(2, 2, 1, (lab["grad"], lab["ratio"]), 0.0, 0.12)
    data, bad_total = [], 0
    for (xref, yref), prefix in zip(refs, ("grad_norm", "ratio")):
        shown = []
        for l in range(n_layers):
            name = lab["layer"].format(l=l + 1)
            tr, bad = _curve(history, f"{prefix}_{l + 1}", name, LAYER_COLORS[l % len(LAYER_COLORS)], log=True,
                             value_format=".3g", x_label=lab["x"], legendgroup=f"layer{l}",
                             showlegend=prefix == "grad_norm")
            bad_total += bad
            if tr is not None:
                shown.append(tr.update(xaxis=xref, yaxis=yref))
        data += shown
        # the reference line stays within the ticked range of the ratio panel
        lay["yaxis" + yref[1:]].update(_log_axis(shown, *([RATIO_REFERENCE] if prefix == "ratio" else [])))
    lay["xaxis"].update(matches="x2", showticklabels=False)  # shared iteration axis, labelled once below
    lay["xaxis2"]["title"] = {"text": lab["x"]}
    lay["shapes"] = [{"type": "line", "xref": "x2 domain", "x0": 0, "x1": 1, "yref": "y2", "y0": RATIO_REFERENCE,
                      "y1": RATIO_REFERENCE, "line": {"dash": "dash", "color": NEUTRAL, "width": 2}}]
    # on a log axis an annotation's y is the exponent
    lay["annotations"].append({"text": lab["reference"], "x": 0, "xref": "x2 domain", "y": math.log10(RATIO_REFERENCE),
                               "yref": "y2", "xanchor": "left", "yanchor": "bottom", "showarrow": False,
                               "font": {"color": NEUTRAL}})
    notes = [lab["dropped"].format(n=bad_total)] if bad_total else []
    if not _n_rows(history):
        notes.append(lab["empty"])
    return figure(data, lay, lab["title"], notes, 640, "gradient-health", top=130)


def unit_health(history, n_layers: int, *, labels: Mapping[str, str] | None = None) -> go.Figure:
    """Fraction of dead ReLU units (solid) and saturated sigmoid/tanh units (dashed) per layer."""
    lab = merge_labels(HEALTH_LABELS, labels)
    fig = go.Figure()
    for l in range(n_layers):
        color = LAYER_COLORS[l % len(LAYER_COLORS)]
        for key, dash in (("dead", "solid"), ("saturated", "dash")):
            tr, _ = _curve(history, f"{key}_{l + 1}", lab[key].format(l=l + 1), color, dash=dash,
                           value_format=".0%", x_label=lab["x"])
            if tr is not None:
                fig.add_trace(tr)
    notes = [] if fig.data else [lab["none"] if _n_rows(history) else lab["empty"]]
    lay = {"xaxis": {"title": {"text": lab["x"]}},
           "yaxis": {"title": {"text": lab["fraction"]}, "range": [-0.02, 1.02], "tickformat": ".0%"}}
    return figure(fig.data, lay, lab["unit_title"], notes, 420, "unit-health")


# -- classification results -------------------------------------------------------------------
def confusion_matrix(y_true: Array, y_pred: Array, k: int) -> Array:
    """(k, k) int counts: rows are the true class, columns the predicted class."""
    t, p = np.asarray(y_true, dtype=int).ravel(), np.asarray(y_pred, dtype=int).ravel()
    if t.shape != p.shape:
        raise ValueError(f"y_true and y_pred need the same length, got {t.size} and {p.size}.")
    if t.size and (min(t.min(), p.min()) < 0 or max(t.max(), p.max()) >= k):
        raise ValueError(f"class indices must lie in [0, {k}).")
    cm = np.zeros((k, k), dtype=int)
    np.add.at(cm, (t, p), 1)
    return cm


def confusion_matrix_figure(y_true: Array, y_pred: Array, class_names: Sequence[str], *,
                            labels: Mapping[str, str] | None = None) -> go.Figure:
    """Heatmap of counts (rows true, columns predicted, row 0 on top) with the count in each cell;
    hover adds the share of the true class."""
    lab = merge_labels(CONFUSION_LABELS, labels)
    names = [str(c) for c in class_names]
    cm = confusion_matrix(y_true, y_pred, len(names))
    n = int(cm.sum())
    share = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
    hover = (lab["hover"].format(y="%{y}", x="%{x}") + "<br>%{z} " + lab["count"]
             + " (%{customdata:.0%} " + lab["row_share"] + ")<extra></extra>")
    heat = {"type": "heatmap", "z": cm, "x": names, "y": names, "customdata": share, "colorscale": SEQUENTIAL,
            "zmin": 0, "zmax": max(1, int(cm.max())), "texttemplate": "%{z}", "textfont": {"size": FONT["small"]},
            "hovertemplate": hover, "colorbar": {"title": {"text": lab["count"]}}}
    lay = {"xaxis": {"title": {"text": lab["x"]}, "type": "category", "side": "bottom"},
           "yaxis": {"title": {"text": lab["y"]}, "type": "category", "autorange": "reversed"}}
    title = lab["title"].format(acc=np.trace(cm) / n, n=n) if n else lab["empty_title"]
    size = 260 + 42 * len(names)
    return figure([heat], lay, title, [] if n else [lab["empty"]], min(size, 760), "confusion")


def _image_panels(images: Array, titles: list[str], cols: int, scale: dict, hover: str,
                  title_colors: Sequence[str] | None = None, shapes: Sequence[dict] = ()) -> tuple[list, dict]:
    """One square Heatmap per image (side x side), row 0 at the top, axes hidden; the colour bar on
    the first panel unless ``scale`` says otherwise."""
    m = len(images)
    side = math.isqrt(images.shape[1])
    rows = max(1, math.ceil(m / cols))
    lay, refs = _panels(m, rows, cols, titles, 0.015, min(0.3 / rows, 0.08), title_colors=title_colors)
    z_all, _ = _masked(images)
    ticks = np.arange(1, side + 1)  # 1-based rows and columns on screen
    data = [{"type": "heatmap", "x": ticks, "y": ticks, "z": z_all[k].reshape(side, side), "hovertemplate": hover,
             "name": titles[k], "xaxis": xref, "yaxis": yref, "showscale": k == 0} | scale
            for k, (xref, yref) in enumerate(refs)]
    hidden = {"showticklabels": False, "showgrid": False, "zeroline": False, "constrain": "domain"}
    for xref, yref in refs:  # square pixels: each panel's y axis keeps the scale of its x axis
        lay["xaxis" + xref[1:]].update(hidden)
        lay["yaxis" + yref[1:]].update(hidden, autorange="reversed", scaleanchor=xref)
    lay["shapes"] = list(shapes)
    return data, lay


def _digit_tiles(images: Array, true: Array, pred: Array, probs: Array, n: int, class_names: Sequence[str] | None,
                 lab: Mapping[str, str]) -> tuple[Array, list[str], Array, dict]:
    """The first n images, their titles (prediction and probability), which are wrong, and the grey scale."""
    images = np.asarray(images, dtype=float)[:n]
    m = len(images)
    true, pred = np.asarray(true, dtype=int)[:m], np.asarray(pred, dtype=int)[:m]
    p = np.asarray(probs, dtype=float)[:m]
    p = p[np.arange(m), pred] if p.ndim == 2 else p
    name = (lambda c: str(class_names[c])) if class_names is not None else str
    wrong = true != pred
    titles = [lab["wrong" if w else "right"].format(pred=name(q), p=pk, true=name(t))
              for q, pk, t, w in zip(pred, p, true, wrong)]
    finite = images[np.isfinite(images)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    return images, titles, wrong, {"zmin": lo, "zmax": hi if hi > lo else lo + 1.0, "colorscale": GREYS}


def _filter_tiles(W1: Array, max_units: int, lab: Mapping[str, str]) -> tuple[Array, int, int, dict]:
    """(W1[:, :m].T, m, n_units, one symmetric diverging scale) for the first-layer filter pictures."""
    W = np.asarray(W1, dtype=float)
    side = math.isqrt(W.shape[0])
    if side * side != W.shape[0]:
        raise ValueError(f"first_layer_filters needs a square number of inputs, got {W.shape[0]}.")
    m = min(W.shape[1], max_units)
    shown = W[:, :m].T
    finite = shown[np.isfinite(shown)]
    top = float(np.abs(finite).max()) if finite.size else 0.0
    top = top if top > 0 else 1.0
    scale = {"zmin": -top, "zmax": top, "zmid": 0.0, "colorscale": DIVERGING,
             "colorbar": {"title": {"text": lab["weight"]}}}
    return shown, m, W.shape[1], scale


def digit_grid(images: Array, true: Array, pred: Array, probs: Array, *, n: int = 24,
               class_names: Sequence[str] | None = None, labels: Mapping[str, str] | None = None) -> go.Figure:
    """The first n images (m, 64) as 8x8 grey Heatmaps; titles give the predicted class and its
    probability (``probs``: (m,) for the predicted class, or (m, k)); mistakes in vermillion and framed."""
    lab = merge_labels(DIGIT_LABELS, labels)
    images, titles, wrong, scale = _digit_tiles(images, true, pred, probs, n, class_names, lab)
    m = len(images)
    frames = [{"type": "rect", "xref": f"x{k + 1 if k else ''} domain", "yref": f"y{k + 1 if k else ''} domain",
               "x0": 0, "x1": 1, "y0": 0, "y1": 1, "line": {"color": NEGATIVE, "width": 3}}
              for k in np.flatnonzero(wrong)]
    data, lay = _image_panels(images, titles, 8, scale | {"showscale": False},
                              lab["pixel"].format(r="%{y}", c="%{x}") + ": %{z:.2f}<extra></extra>",
                              title_colors=[NEGATIVE if w else TEXT for w in wrong], shapes=frames)
    notes = [lab["mistakes"].format(k=int(wrong.sum()), n=m)]
    rows = max(1, math.ceil(m / 8))
    return figure(data, lay, lab["title"], notes, 150 + 150 * rows, "digit-grid", top=140)


def first_layer_filters(W1: Array, *, max_units: int = 32, labels: Mapping[str, str] | None = None) -> go.Figure:
    """Each hidden unit's incoming weights W1[:, j] (n_in a square, e.g. 64 -> 8x8) as an image,
    all on one symmetric diverging scale (zmin = -zmax, zmid = 0)."""
    lab = merge_labels(DIGIT_LABELS, labels)
    shown, m, n_units, scale = _filter_tiles(W1, max_units, lab)
    titles = [lab["unit"].format(j=j + 1) for j in range(m)]
    data, lay = _image_panels(shown, titles, 8, scale, lab["pixel"].format(r="%{y}", c="%{x}") + ": %{z:.4g}"
                              + "<extra>%{fullData.name}</extra>")
    notes = [lab["more"].format(m=m, n=n_units)] if m < n_units else []
    rows = max(1, math.ceil(m / 8))
    return figure(data, lay, lab["filters_title"], notes, 150 + 150 * rows, "first-layer-filters", top=140)


# -- the same pictures as one mosaic (one trace: about ten times faster to build and send) ---------
MOSAIC_GAP = (3, 1)  # empty cells between tiles: (rows, for the title above each tile; columns)


def mosaic_layout(m: int, side: int, cols: int) -> tuple[int, int]:
    """(rows, cols) of the mosaic's z for m tiles of side x side, MOSAIC_GAP cells between tiles and
    a title band above the first row; tile k's top-left cell is at tile_origin(k, side, cols)."""
    rows = max(1, math.ceil(m / cols))
    gv, gh = MOSAIC_GAP
    return rows * (side + gv), min(m, cols) * (side + gh) - gh


def tile_origin(k: int, side: int, cols: int) -> tuple[int, int]:
    """(row, col) in the mosaic's z of tile k's top-left pixel."""
    r, c = divmod(k, cols)
    gv, gh = MOSAIC_GAP
    return r * (side + gv) + gv, c * (side + gh)


def _mosaic(images: Array, titles: Sequence[str], cols: int, scale: dict, hover: str,
            title_colors: Sequence[str] | None = None, framed: Sequence[int] = ()) -> tuple[list, dict]:
    """One Heatmap holding every image (m, side*side) as a side x side tile, NaN (blank, no hover)
    between tiles; customdata per cell = (tile, row, column), 1-based; titles above the tiles."""
    m = len(images)
    side = math.isqrt(images.shape[1])
    H, W = mosaic_layout(m, side, cols)
    z = np.full((H, W), np.nan)
    info = np.zeros((H, W, 3))
    rr, cc = np.meshgrid(np.arange(1, side + 1), np.arange(1, side + 1), indexing="ij")
    tiles, _ = _masked(images)
    annotations, shapes = [], []
    for k in range(m):
        r0, c0 = tile_origin(k, side, cols)
        z[r0:r0 + side, c0:c0 + side] = tiles[k].reshape(side, side)
        info[r0:r0 + side, c0:c0 + side] = np.stack([np.full((side, side), k + 1), rr, cc], axis=-1)
        color = {"color": title_colors[k]} if title_colors is not None else {}
        annotations.append({"text": titles[k], "x": c0 + (side - 1) / 2, "y": r0 - 0.6, "xref": "x", "yref": "y",
                            "xanchor": "center", "yanchor": "bottom", "showarrow": False,
                            "font": {"size": FONT["small"]} | color})
        if k in framed:
            shapes.append({"type": "rect", "xref": "x", "yref": "y", "x0": c0 - 0.5, "x1": c0 + side - 0.5,
                           "y0": r0 - 0.5, "y1": r0 + side - 0.5, "line": {"color": NEGATIVE, "width": 3}})
    trace = {"type": "heatmap", "z": z, "customdata": info, "hoverongaps": False, "hovertemplate": hover,
             "xgap": 0, "ygap": 0} | scale
    hidden = {"showticklabels": False, "showgrid": False, "zeroline": False, "constrain": "domain",
              "ticks": "", "range": [-0.5, W - 0.5]}
    lay = {"xaxis": hidden, "yaxis": hidden | {"range": [H - 0.5, -0.5], "scaleanchor": "x"},
           "annotations": annotations, "shapes": shapes}
    return [trace], lay


def digit_mosaic(images: Array, true: Array, pred: Array, probs: Array, *, n: int = 24,
                 class_names: Sequence[str] | None = None, labels: Mapping[str, str] | None = None) -> go.Figure:
    """digit_grid's picture as one mosaic Heatmap: the first n images (m, 64) as 8x8 grey tiles titled
    with the predicted class and its probability (``probs`` (m,) or (m, k)); mistakes titled in
    vermillion and framed."""
    lab = merge_labels(DIGIT_LABELS, labels)
    images, titles, wrong, scale = _digit_tiles(images, true, pred, probs, n, class_names, lab)
    m = len(images)
    hover = (lab["pixel"].format(r="%{customdata[1]}", c="%{customdata[2]}")
             + ": %{z:.2f}<extra>#%{customdata[0]}</extra>")
    data, lay = _mosaic(images, titles, 8, scale | {"showscale": False}, hover,
                        [NEGATIVE if w else TEXT for w in wrong], np.flatnonzero(wrong).tolist())
    rows = max(1, math.ceil(m / 8))
    return figure(data, lay, lab["title"], [lab["mistakes"].format(k=int(wrong.sum()), n=m)], 130 + 140 * rows,
                   "digit-grid", top=110)


def filter_mosaic(W1: Array, *, max_units: int = 32, labels: Mapping[str, str] | None = None) -> go.Figure:
    """first_layer_filters' picture as one mosaic Heatmap: each hidden unit's incoming weights W1[:, j]
    (n_in a square) as a tile, all on one symmetric diverging scale (zmin = -zmax, zmid = 0)."""
    lab = merge_labels(DIGIT_LABELS, labels)
    shown, m, n_units, scale = _filter_tiles(W1, max_units, lab)
    hover = (lab["pixel"].format(r="%{customdata[1]}", c="%{customdata[2]}") + ": %{z:.4g}<extra>"
             + lab["unit"].format(j="%{customdata[0]}") + "</extra>")
    data, lay = _mosaic(shown, [lab["unit"].format(j=j + 1) for j in range(m)], 8, scale, hover)
    notes = [lab["more"].format(m=m, n=n_units)] if m < n_units else []
    rows = max(1, math.ceil(m / 8))
    return figure(data, lay, lab["filters_title"], notes, 130 + 140 * rows, "first-layer-filters", top=110)
