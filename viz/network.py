"""The network diagram: neurons by layer, edges coloured by weight sign, the numbers revealed so far.

Indices in ``customdata`` (for ``st.plotly_chart(on_select=...)``):
- neurons: ``(k, j)`` with k the neuron column, 0 = inputs, k >= 1 the outputs of weight layer k-1;
- edges (the invisible midpoint markers): ``(l, i, j)`` for ``W[l][i, j]``, l the 0-based weight layer,
  joining neuron ``(l, i)`` to neuron ``(l + 1, j)``.

Usage from a page::

    view = view_for(session.record, session.current_phase, sample)
    fig = network_figure(session.net, view, labels=labels)   # a plotly Figure
    spec = network_spec(session.net, view, labels=labels)     # the same as a plain dict (faster)

Traces carry ``meta={"role": ...}``: "edges" (lines, one per sign x width bucket), "edge_hover",
"neurons"; the active layer's band is the layout shape named "phase_band".
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from backprop_core.traces import frozen

from . import palette as pal
from . import placement
from .common import merge_labels
from .equations import DASH, fmt
from .reveal import clamp_sample, reveal_of

Array = np.ndarray

NETWORK_LABELS: dict[str, str] = {
    "input": "input",
    "hidden": "hidden",
    "hidden_n": "hidden {k}",
    "output": "output",
    "layer": "layer",
    "unit": "unit",
    "phase_none": "Weights (nothing computed yet)",
    "phase_forward": "Forward pass: layer {layer}",
    "phase_loss": "Loss",
    "phase_backward": "Backward pass: layer {layer}",
    "phase_update": "Update",
    "sample": "sample {s} of the batch",
    "batch_mean": "batch mean (gradients: batch sum)",
    "showing": "showing the {shown} strongest of {total} weights (between the units drawn)",
    "more_units": "\u2026 {n} more",
    "focus": "all {n} connections of {name} unit {unit}",
    "nonfinite": "{n} non-finite values not drawn",
    "edges_w": "numbers on edges: weights w",
    "edges_grad": "numbers on edges: \u2202L/\u2202w",
    "edges_new": "numbers on edges: new weights (hover: old and \u0394)",
    "on_hover": "{n} edge numbers on hover only",
    "pixel": "pixel (row {r}, column {c})",
    "focus_k": "the {k} strongest connections into and out of {name} unit {unit}",
    "showing_k": "the {k} strongest weights of each layer (of {total}); focus on a neuron for its own",
    "weight": "w",
    "grad": "\u2202L/\u2202w",
    "old": "old",
    "new": "new",
    "delta": "\u0394",
    "bias": "b",
    "x": "x",
    "z": "z",
    "a": "a",
    "y": "y",
    "loss": "L",
    "dL_da": "\u2202L/\u2202a",
    "dL_dz": "\u2202L/\u2202z",
    "dL_da_sum": "\u03a3 \u2202L/\u2202a",
    "dL_dz_sum": "\u03a3 \u2202L/\u2202z",
}

N_BUCKETS = 5  # edge width classes per sign
WIDTH_MIN, WIDTH_MAX = 1.0, 8.0
TEXT_DIGITS = 4
EDGE_LABEL_MAX = 12  # small networks also print each weight on its edge
LINE_HEIGHT = 1.3  # a card's line height, in font sizes
LABEL_HEIGHT = 1.35  # an edge label's box height, in font sizes
CARD_PAD_X, CARD_PAD_Y, CARD_GAP = 8.0, 4.0, 6.0  # px: inside a card, and between neighbouring cards


@dataclass(frozen=True)
class Style:
    """Font sizes (px), the figure's height, its top margin (plus ``sub`` with a subtitle) and the narrowest
    width its labels are laid out for."""

    small: int
    base: int
    title: int
    height: int
    min_width: int
    top: int
    sub: int


DEFAULT = Style(pal.FONT["small"], pal.FONT["base"], pal.FONT["title"], 520, 700, 70, 30)
PROJECTOR = Style(24, 26, 30, 660, 1100, 90, 40)  # a room: numbers >= 24 px at 1600x900

GRID_WIDTH = 1.3  # grids are laid out for this multiple of the min width (cells square there, overlapping
# a little when narrower, a little apart when wider); their markers are this much larger than a cell
EDGE_T = 0.62  # hover markers and edge labels sit this far along each edge (0.5 would put crossing
# edges' markers on top of each other; past the middle, clear of the text right of the source)


# -- the view: what a phase has revealed, reduced to one sample ----------------------------------
@dataclass(frozen=True, eq=False)
class DiagramView:
    """Numbers the diagram may show. Vectors are for one sample (z, a: batch mean and dA, dZ: batch
    sum when ``sample`` is None); per-layer tuples hold None for layers not revealed yet.

    x: (n_0,); z, a, dA, dZ: per weight layer (n_l,) or None; dW: per weight layer (n_{l-1}, n_l) or
    None; weights/biases: the parameters to draw (None: the network's own); old_weights: before the
    update (update phase only); y: targets (from the loss phase on).
    """

    kind: str | None = None
    layer: int | None = None
    sample: int | None = None
    n: int = 0
    sizes: tuple[int, ...] | None = None
    x: Array | None = None
    z: tuple[Array | None, ...] = ()
    a: tuple[Array | None, ...] = ()
    dA: tuple[Array | None, ...] = ()
    dZ: tuple[Array | None, ...] = ()
    dW: tuple[Array | None, ...] = ()
    y: Array | None = None
    loss: float | None = None
    weights: tuple[Array, ...] | None = None
    biases: tuple[Array, ...] | None = None
    old_weights: tuple[Array, ...] | None = None


def view_for(record, phase, sample: int | None = None) -> DiagramView:
    """The view for a session's record and current phase (``record=None``: weights only)."""
    if record is None:
        return DiagramView()
    n_layers = len(record.forward.layers)
    rv = reveal_of(phase, n_layers)
    s = clamp_sample(record, sample)
    mean = (lambda m: m[s]) if s is not None else (lambda m: frozen(m.mean(axis=0)))
    total = (lambda m: m[s]) if s is not None else (lambda m: frozen(m.sum(axis=0)))
    fl, bl, up = record.forward.layers, record.backward.layers, record.update
    fwd = [rv.forward(li) for li in range(n_layers)]
    bwd = [rv.backward(li) for li in range(n_layers)]
    return DiagramView(
        kind=phase.kind if phase is not None else "update",
        layer=phase.layer if phase is not None else None,
        sample=s,
        n=int(record.forward.x.shape[0]),
        sizes=(record.forward.x.shape[1], *(lf.z.shape[1] for lf in fl)),
        x=mean(record.forward.x),
        z=tuple(mean(lf.z) if ok else None for lf, ok in zip(fl, fwd)),
        a=tuple(mean(lf.a) if ok else None for lf, ok in zip(fl, fwd)),
        dA=tuple(total(lb.dA) if ok else None for lb, ok in zip(bl, bwd)),
        dZ=tuple(total(lb.dZ) if ok else None for lb, ok in zip(bl, bwd)),
        dW=tuple(lb.dW if ok else None for lb, ok in zip(bl, bwd)),
        y=mean(record.Y) if rv.loss else None,
        loss=float(record.backward.loss) if rv.loss else None,
        weights=up.new_weights if rv.update else up.old_weights,
        biases=up.new_biases if rv.update else up.old_biases,
        old_weights=up.old_weights if rv.update else None,
    )


diagram_view = view_for  # the name the design notes use


# -- helpers --------------------------------------------------------------------------------------
def _full(v: float) -> str:
    """Full precision for hovers (shortest round-trip repr), DASH for NaN/inf."""
    v = float(v)
    return repr(v) if math.isfinite(v) else DASH


def _column_names(n_cols: int, lab: Mapping[str, str]) -> list[str]:
    hidden = n_cols - 2
    names = [lab["input"]]
    names += [lab["hidden"] if hidden == 1 else lab["hidden_n"].format(k=k) for k in range(1, hidden + 1)]
    return names + [lab["output"]]


def _col_vec(view: DiagramView, k: int, name: str) -> Array | None:
    """Column k's vector of ``name`` (x for k=0), or None if not revealed."""
    if k == 0:
        return view.x if name == "a" else None
    seq = getattr(view, name)
    return seq[k - 1] if seq else None


def _unit_scores(view: DiagramView, W: Sequence[Array], k: int, width: int) -> Array:
    """How much unit j of column k matters: |activation| when revealed, else its weights' strength."""
    a = _col_vec(view, k, "a")
    if a is not None:
        return np.nan_to_num(np.abs(a), nan=0.0, posinf=0.0)
    s = np.zeros(width)
    if k > 0:
        s += np.nansum(np.abs(W[k - 1]), axis=0)
    if k < len(W):
        s += np.nansum(np.abs(W[k]), axis=1)
    return np.nan_to_num(s, posinf=0.0)


def _shown_units(scores: Array, max_units: int, keep: int | None = None) -> Array:
    """Indices (sorted) of the max_units best-scoring units, always including ``keep``."""
    n = scores.shape[0]
    if n <= max_units:
        return np.arange(n)
    best = np.argsort(-scores, kind="stable")[:max_units]
    if keep is not None and keep not in best:
        best[-1] = keep
    return np.sort(best)


def _positions(shown: Array, width: int, max_units: int) -> Array:
    """y of every unit in a column (NaN if not drawn): centred, 1 apart, squeezed past max_units."""
    m = shown.shape[0]
    step = 1.0 if m <= max_units else (max_units - 1) / max(1, m - 1)
    y = np.full(width, np.nan)
    y[shown] = ((m - 1) / 2.0 - np.arange(m)) * step
    return y


def _budgets(counts: Sequence[int], cap: int) -> list[int]:
    """Split ``cap`` edges over layers in proportion to their candidate counts (largest remainder)."""
    total = sum(counts)
    if total <= cap:
        return list(counts)
    raw = [cap * c / total for c in counts]
    out = [int(r) for r in raw]
    for li in sorted(range(len(raw)), key=lambda li: out[li] - raw[li])[: cap - sum(out)]:
        out[li] += 1
    return out


@dataclass(frozen=True)
class _Edges:
    """Drawn edges as parallel arrays: weight layer, source, target, weight."""

    layer: Array
    i: Array
    j: Array
    w: Array


def _select_edges(view: DiagramView, W: Sequence[Array], shown: list[Array], max_edges: int,
                  focus: tuple[int, int] | None, focus_cap: int | None = None) -> tuple[_Edges, int]:
    """(edges to draw, count of non-finite weights in the network, never drawn). With a focus, all its
    edges; with ``focus_cap`` (a wide network) only the ``focus_cap`` strongest of each layer."""
    parts, counts = [], []
    nonfinite = sum(int(np.count_nonzero(~np.isfinite(w))) for w in W)
    for li, w in enumerate(W):
        if focus is not None:
            k, u = focus
            src = np.array([u]) if li == k else shown[li]
            dst = np.array([u]) if li + 1 == k else shown[li + 1]
            if k not in (li, li + 1):
                src = dst = np.array([], dtype=int)
        else:
            src, dst = shown[li], shown[li + 1]
        ii, jj = np.meshgrid(src, dst, indexing="ij")
        ii, jj = ii.ravel(), jj.ravel()
        vals = w[ii, jj]
        ok = np.isfinite(vals)
        ii, jj = ii[ok], jj[ok]
        g = view.dW[li] if view.dW else None
        score = np.abs(g[ii, jj]) if g is not None else np.abs(w[ii, jj])
        parts.append((li, ii, jj, np.nan_to_num(score, nan=0.0, posinf=np.inf)))
        counts.append(ii.shape[0])
    if focus_cap is not None:  # a wide network: the k strongest of each layer (or of the focus)
        budgets = [min(c, focus_cap) for c in counts]
    else:
        budgets = _budgets(counts, max_edges) if focus is None else counts
    L, I, J = [], [], []
    for (li, ii, jj, score), b in zip(parts, budgets):
        if b < ii.shape[0]:
            keep = np.sort(np.argpartition(-score, b - 1)[:b]) if b > 0 else np.array([], dtype=int)
            ii, jj = ii[keep], jj[keep]
        L.append(np.full(ii.shape[0], li))
        I.append(ii)
        J.append(jj)
    lay, src, dst = (np.concatenate(v).astype(int) if v else np.array([], dtype=int) for v in (L, I, J))
    w = np.array([W[li][i, j] for li, i, j in zip(lay, src, dst)], dtype=float)
    return _Edges(lay, src, dst, w), nonfinite


def _widths(absw: Array) -> tuple[Array, Array]:
    """(bucket index per edge, line width per bucket): monotone in |w| (scaled by its 98th percentile,
    larger ones clipped), thinner when many edges are drawn so a dense diagram stays readable."""
    if absw.size == 0:
        return np.array([], dtype=int), np.array([])
    scale = float(np.quantile(absw, 0.98)) or float(absw.max()) or 1.0
    bucket = np.minimum(N_BUCKETS - 1, (absw / scale * N_BUCKETS).astype(int))
    top = float(np.clip(WIDTH_MAX * math.sqrt(24 / absw.size), 3.0, WIDTH_MAX))
    return bucket, WIDTH_MIN + (top - WIDTH_MIN) * np.arange(N_BUCKETS) / (N_BUCKETS - 1)


# -- traces ---------------------------------------------------------------------------------------
def _ends(e: _Edges, ys: list[Array], xo: list[Array]) -> tuple[Array, Array, Array, Array]:
    """(x0, y0, x1, y1) of every edge: column k's units sit at x = k + xo[k][j] (xo: 0 but in grids)."""
    x0 = np.array([li + xo[li][i] for li, i in zip(e.layer, e.i)], dtype=float)
    x1 = np.array([li + 1 + xo[li + 1][j] for li, j in zip(e.layer, e.j)], dtype=float)
    y0 = np.array([ys[li][i] for li, i in zip(e.layer, e.i)], dtype=float)
    y1 = np.array([ys[li + 1][j] for li, j in zip(e.layer, e.j)], dtype=float)
    return x0, y0, x1, y1


def _edge_traces(e: _Edges, ys: list[Array], xo: list[Array]) -> list[dict]:
    """One line trace per (sign, width bucket), segments separated by None."""
    bucket, widths = _widths(np.abs(e.w))
    x0, y0, x1, y1 = _ends(e, ys, xo)
    traces = []
    opacity = 0.8 if e.w.size <= 40 else 0.55
    for b in range(N_BUCKETS):  # thin first, so strong edges are drawn on top
        for sign, color in ((1, pal.POSITIVE), (-1, pal.NEGATIVE)):
            is_sign = e.w >= 0 if sign > 0 else e.w < 0
            idx = np.flatnonzero(is_sign & (bucket == b))
            if idx.size == 0:
                continue
            xs: list[float | None] = []
            yv: list[float | None] = []
            for t in idx:
                xs += [float(x0[t]), float(x1[t]), None]
                yv += [float(y0[t]), float(y1[t]), None]
            traces.append(dict(type="scatter", mode="lines", x=xs, y=yv, hoverinfo="skip", showlegend=False,
                               line=dict(color=color, width=float(widths[b])), opacity=opacity,
                               meta={"role": "edges", "sign": sign, "bucket": b}))
    return traces


def _along(e: _Edges, ys: list[Array], xo: list[Array]) -> tuple[Array, Array]:
    """(x, y) of the point EDGE_T along each edge from its source."""
    x0, y0, x1, y1 = _ends(e, ys, xo)
    return x0 + EDGE_T * (x1 - x0), y0 + EDGE_T * (y1 - y0)


def _edge_value(view: DiagramView, li: int, i: int, j: int, w: float) -> float:
    """The number an edge's label shows: its weight, dL/dw once the backward pass has reached its layer,
    the new weight in the update phase (the legend in the subtitle says which)."""
    if view.old_weights is not None:
        return float(w)
    g = view.dW[li] if view.dW else None
    return float(g[i, j]) if g is not None else float(w)


def _edge_kind(view: DiagramView, e: _Edges) -> str:
    if view.old_weights is not None:
        return "edges_new"
    return "edges_grad" if view.dW and any(view.dW[li] is not None for li in set(e.layer.tolist())) else "edges_w"


def _edge_labels(view: DiagramView, e: _Edges, ys: list[Array], frame: placement.Frame, obstacles: list,
                 spans: list[tuple[float, float]], st: Style) -> tuple[list[dict], int]:
    """For small networks each edge's number beside it, where it overlaps no card, label or line
    (viz/placement.py); (the trace, how many edges found no free place: their number is on hover)."""
    if e.w.size == 0 or e.w.size > EDGE_LABEL_MAX:
        return [], 0
    vals = [_edge_value(view, int(li), int(i), int(j), w) for li, i, j, w in zip(e.layer, e.i, e.j, e.w)]
    texts = [fmt(v, TEXT_DIGITS) for v in vals]
    segs = [(frame.px(float(li), float(ys[li][i])), frame.px(float(li) + 1, float(ys[li + 1][j])))
            for li, i, j in zip(e.layer, e.i, e.j)]
    sizes = [(placement.text_px(t, st.small) + 4, st.small * LABEL_HEIGHT) for t in texts]
    boxes = placement.place_on_segments(segs, sizes, obstacles, (0, 0, frame.width, frame.height), spans)
    keep = [k for k, b in enumerate(boxes) if b is not None]
    pts = [frame.data(boxes[k].cx, boxes[k].cy) for k in keep]
    trace = dict(type="scatter", mode="text", x=[p[0] for p in pts], y=[p[1] for p in pts],
                 text=[texts[k] for k in keep], textposition="middle center", hoverinfo="skip", showlegend=False,
                 textfont=dict(size=st.small, color=[pal.sign_color(vals[k]) for k in keep], shadow=pal.HALO),
                 meta={"role": "edge_values"})
    return [trace], len(boxes) - len(keep)


def _edge_hover(view: DiagramView, e: _Edges, ys: list[Array], xo: list[Array], names: list[str],
                lab: Mapping[str, str]) -> list[dict]:
    """Invisible midpoint markers carrying each edge's hover text and (layer, i, j), one trace per sign."""
    texts = []
    for li, i, j, w in zip(e.layer, e.i, e.j, e.w):
        head = (f"<b>{lab['weight']}<sup>({li + 1})</sup><sub>{i + 1},{j + 1}</sub></b>: "
                f"{names[li]} {i + 1} \u2192 {names[li + 1]} {j + 1}")
        rows = [head]
        if view.old_weights is not None:
            old = view.old_weights[li][i, j]
            rows.append(f"{lab['weight']}: {lab['old']} {_full(old)} \u2192 {lab['new']} {_full(w)}")
            rows.append(f"{lab['delta']}{lab['weight']} = {_full(w - old)}")
        else:
            rows.append(f"{lab['weight']} = {_full(w)}")
        g = view.dW[li] if view.dW else None
        if g is not None:
            rows.append(f"{lab['grad']} = {_full(g[i, j])}")
        texts.append("<br>".join(rows))
    texts = np.array(texts, dtype=object)
    xm, ym = _along(e, ys, xo)
    cd = np.stack([e.layer, e.i, e.j], axis=1).astype(int) if e.w.size else np.empty((0, 3), dtype=int)
    traces = []
    for sign, color in ((1, pal.POSITIVE), (-1, pal.NEGATIVE)):
        idx = np.flatnonzero(e.w >= 0 if sign > 0 else e.w < 0)
        traces.append(dict(type="scatter", mode="markers", x=xm[idx], y=ym[idx], text=texts[idx],
                           hovertemplate="%{text}<extra></extra>", customdata=cd[idx],
                           marker=dict(size=14, opacity=0, color=color),
                           hoverlabel=dict(bgcolor=color, font=dict(color="white", size=pal.FONT["small"])),
                           unselected=dict(marker=dict(opacity=0)), selected=dict(marker=dict(opacity=0)),
                           showlegend=False, meta={"role": "edge_hover", "sign": sign}))
    return traces


def _neuron_lines(view: DiagramView, k: int, j: int, lab: Mapping[str, str], last: bool,
                  digits: int, full: bool, B: Sequence[Array] | None = None) -> list[str]:
    """Lines of numbers for neuron (k, j), oldest first: short (for its card) or full precision (for the
    hover). With ``B``, the bias is a line too: first in the forward pass (b beside z), last in the update
    (where it is the newest number); dL/da sits beside dL/dz."""
    f = _full if full else (lambda v: fmt(v, digits))
    batch = view.sample is None
    if k == 0:
        return [f"{lab['x']} = {f(view.x[j])}"] if view.x is not None else []
    bias = [f"{lab['bias']} = {f(B[k - 1][j])}"] if B is not None else []
    rows = [] if view.kind == "update" else list(bias)
    z, a = _col_vec(view, k, "z"), _col_vec(view, k, "a")
    if z is not None:
        rows += [f"{lab['z']} = {f(z[j])}", f"{lab['a']} = {f(a[j])}"]
    if last and view.y is not None:
        rows.append(f"{lab['y']} = {f(view.y[j])}")
    dz, da = _col_vec(view, k, "dZ"), _col_vec(view, k, "dA")
    if da is not None:
        rows.append(f"{lab['dL_da_sum' if batch else 'dL_da']} = {f(da[j])}")
    if dz is not None:
        rows.append(f"{lab['dL_dz_sum' if batch else 'dL_dz']} = {f(dz[j])}")
    return rows + (bias if view.kind == "update" else [])


@dataclass(frozen=True)
class _Cards:
    """Per column: the lines each unit's card shows (None: drawn as plain circles, numbers on hover), the
    cards' common half-sizes in px, and the quantity a one-line column shows (named in its header)."""

    rows: list[dict[int, list[str]] | None]
    hw: list[float]
    hh: list[float]
    what: list[str | None]


def _cards(view: DiagramView, shown: list[Array], ys: list[Array], B: Sequence[Array], px_per_unit: float,
           plot_w: float, st: Style, lab: Mapping[str, str], fixed: Mapping[int, tuple[float, str]] | None = None
           ) -> _Cards:
    """Cards for every column with room for at least one line between neighbours (the newest lines
    when not all fit; a one-line card shows the number alone, its name in the column header). A column
    too dense for cards, or whose cards would not fit between its neighbours', is drawn as circles."""
    n_cols = len(shown)
    line = st.small * LINE_HEIGHT
    rows_out, hws, hhs, what = [], [], [], []
    for k, units in enumerate(shown):
        spacing = px_per_unit * (abs(ys[k][units[0]] - ys[k][units[1]]) if units.size > 1 else 6.0)
        room = int((spacing - CARD_GAP - 2 * CARD_PAD_Y) // line)
        col = {int(j): _neuron_lines(view, k, int(j), lab, k == n_cols - 1, TEXT_DIGITS, False, B)[-room:]
               for j in units} if room >= 1 else {}
        name = None
        if room == 1 and units.size > 1:
            names_ = {r[0].split(" = ")[0] for r in col.values() if r}
            if len(names_) == 1:
                name = names_.pop()
                col = {j: [r.split(" = ", 1)[1] for r in rows] for j, rows in col.items()}
        w = max((placement.text_px(r, st.small) for rows in col.values() for r in rows), default=0.0)
        n = max((len(rows) for rows in col.values()), default=0)
        ok = room >= 1
        rows_out.append(col if ok else None)
        hws.append(max(w / 2 + CARD_PAD_X, st.small) if ok else 0.0)
        hhs.append(max(n, 1) * line / 2 + CARD_PAD_Y if ok else 0.0)
        what.append(name if ok else None)
    for k, (hw, name) in (fixed or {}).items():  # a grid or image column: its half-width and quantity
        rows_out[k], hws[k], hhs[k], what[k] = None, hw, 0.0, name
    # neighbours' cards must leave room for the edges between them: drop the wider column's cards first
    ppx = plot_w / (n_cols - 1 + 0.9)
    while True:
        bad = [k for k in range(n_cols - 1) if hws[k] + hws[k + 1] + 2 * CARD_GAP + 24 > ppx
               and (rows_out[k] is not None or rows_out[k + 1] is not None)]
        if not bad:
            break
        a, b = bad[0], bad[0] + 1
        k = a if (hws[a] >= hws[b] and rows_out[a] is not None) or rows_out[b] is None else b
        rows_out[k], hws[k], hhs[k], what[k] = None, 0.0, 0.0, None
    return _Cards(rows_out, hws, hhs, what)


def _card_shapes(cards: _Cards, ys: list[Array], hot: set[tuple[int, int]], focus: tuple[int, int] | None,
                 st: Style) -> list[dict]:
    """Each card as a px-sized rectangle anchored at its neuron, drawn above the edges, its lines inside."""
    out = []
    for k, col in enumerate(cards.rows):
        if col is None:
            continue
        for j, rows in col.items():
            is_hot = (k, j) in hot
            out.append(dict(type="rect", name=f"card {k} {j}", layer="above", xref="x", yref="y",
                            xsizemode="pixel", ysizemode="pixel", xanchor=float(k), yanchor=float(ys[k][j]),
                            x0=-cards.hw[k], x1=cards.hw[k], y0=-cards.hh[k], y1=cards.hh[k],
                            fillcolor=pal.FOCUS_FILL if focus == (k, j) else pal.CARD_FILL,
                            line=dict(color=pal.HIGHLIGHT if is_hot else pal.NEUTRAL, width=4 if is_hot else 1.5),
                            label=dict(text="<br>".join(rows), textposition="middle center",
                                       font=dict(size=st.small, color=pal.TEXT, family=pal.FONT["family"]))))
    return out


def _neurons(view: DiagramView, shown: list[Array], ys: list[Array], cards: _Cards, B: Sequence[Array],
             names: list[str], hot: set[tuple[int, int]], focus: tuple[int, int] | None, circle_px: list[float],
             lab: Mapping[str, str], st: Style) -> dict:
    """Neuron markers (hover: full precision; customdata (k, j)); ``text`` holds each card's lines.
    Units with a card have an invisible marker (the card is drawn over it), the others a circle.

    Highlighting is numeric (1 = highlighted) through two-colour scales, which plotly validates far
    faster than one colour string per neuron: marker.color (fill) and marker.line.color (outline).
    """
    cd = np.array([(k, j) for k, units in enumerate(shown) for j in units], dtype=int).reshape(-1, 2)
    n_cols = len(shown)
    texts, short = [], []
    for k, j in cd:
        rows = [f"<b>{names[k]} {lab['unit']} {j + 1}</b>" + (f" \u00b7 {lab['layer']} {k}" if k else "")]
        rows += _neuron_lines(view, k, j, lab, k == n_cols - 1, TEXT_DIGITS, full=True)
        if k > 0:
            rows.append(f"{lab['bias']} = {_full(B[k - 1][j])}")
        texts.append("<br>".join(rows))
        col = cards.rows[k]
        short.append("<br>".join(col[int(j)]) if col is not None else "")
    is_focus = ((cd[:, 0] == focus[0]) & (cd[:, 1] == focus[1])) if focus is not None else np.zeros(len(cd), bool)
    is_hot = np.array([(int(k), int(j)) in hot for k, j in cd], dtype=bool)
    carded = np.array([cards.rows[k] is not None for k in cd[:, 0]], dtype=bool)
    size = np.array([min(2 * cards.hh[k], 2 * cards.hw[k]) if cards.rows[k] is not None else circle_px[k]
                     for k in cd[:, 0]])
    return dict(type="scatter", mode="markers", x=cd[:, 0].astype(float),
                y=np.array([ys[k][j] for k, j in cd], dtype=float), text=short, hovertext=texts,
                hovertemplate="%{hovertext}<extra></extra>", customdata=cd,
                marker=dict(size=size, color=is_focus.astype(float), opacity=np.where(carded, 0.0, 1.0),
                            colorscale=[[0, "white"], [1, pal.HIGHLIGHT]], cmin=0, cmax=1, showscale=False,
                            line=dict(color=is_hot.astype(float), colorscale=[[0, pal.NEUTRAL], [1, pal.HIGHLIGHT]],
                                      cmin=0, cmax=1, width=np.where(is_hot, 4.0, 2.0))),
                hoverlabel=dict(font=dict(size=st.small)), unselected=dict(marker=dict(opacity=1)),
                showlegend=False, meta={"role": "neurons"})


# -- layout pieces --------------------------------------------------------------------------------
def _active_column(view: DiagramView, n_cols: int) -> int | None:
    if view.kind in ("forward", "backward") and view.layer is not None:
        return view.layer + 1
    if view.kind == "loss":
        return n_cols - 1
    return None


def _band(view: DiagramView, n_cols: int, y_lo: float, y_hi: float) -> list[dict]:
    """The translucent band over the current phase's layer (its edges and its neurons)."""
    if view.kind in ("forward", "backward") and view.layer is not None:
        x0, x1 = view.layer + 0.1, view.layer + 1.3
    elif view.kind == "loss":
        x0, x1 = n_cols - 1.3, n_cols - 0.55
    elif view.kind == "update":
        x0, x1 = -0.3, n_cols - 0.6
    else:
        return []
    return [dict(type="rect", name="phase_band", layer="below", x0=x0, x1=x1, y0=y_lo, y1=y_hi,
                 fillcolor=pal.HIGHLIGHT_FILL, line=dict(width=0))]


def _headers(shown: list[Array], widths: Sequence[int], names: list[str], y_top: float, y_bottom: float,
             lab: Mapping[str, str], st: Style, modes: Sequence[str | None] | None = None) -> list[dict]:
    out = []
    for k, (units, n) in enumerate(zip(shown, widths)):
        out.append(dict(x=k, y=y_top, text=f"<b>{names[k]}</b> ({n})", showarrow=False, yanchor="bottom",
                        font=dict(size=st.base)))
        if units.size < n and not (modes and modes[k]):
            out.append(dict(x=k, y=y_bottom, text=lab["more_units"].format(n=n - units.size), showarrow=False,
                            yanchor="top", font=dict(size=st.small, color=pal.NEUTRAL)))
    return out


def _title(view: DiagramView, lab: Mapping[str, str]) -> str:
    if view.kind is None:
        return lab["phase_none"]
    head = lab[f"phase_{view.kind}"].format(layer=(view.layer or 0) + 1)
    who = lab["batch_mean"] if view.sample is None else lab["sample"].format(s=view.sample + 1)
    if view.loss is not None:
        who += f" \u00b7 {lab['loss']} = {fmt(view.loss, TEXT_DIGITS)}"
    return f"{head} \u00b7 {who}"


# -- wide layers: the input as its image, a wide hidden layer as a grid of cells -----------------------
def _modes(widths: Sequence[int], max_units: int, image_side: int | None) -> list[str | None]:
    """Per column: "image" (inputs that are a side x side image), "grid" (a wide hidden layer) or None."""
    out: list[str | None] = []
    for k, n in enumerate(widths):
        if n <= max_units:
            out.append(None)
        elif k == 0 and image_side and image_side * image_side == n:
            out.append("image")
        elif 0 < k < len(widths) - 1:
            out.append("grid")
        else:
            out.append(None)
    return out


@dataclass(frozen=True)
class _Grid:
    rows: int
    cols: int
    cell: float  # px


def _grid_shape(n: int, mode: str, h_px: float, w_px: float) -> _Grid:
    """The rows x cols with the largest square cells that fit h_px x w_px (an image: its own side)."""
    if mode == "image":
        side = math.isqrt(n)
        return _Grid(side, side, min(h_px / side, w_px / side))
    best = max((min(h_px / math.ceil(n / c), w_px / c), c) for c in range(1, n + 1))
    c = best[1]
    return _Grid(math.ceil(n / c), c, min(best[0], 40.0))


def _grid_vector(view: DiagramView, k: int, mode: str, B: Sequence[Array], lab: Mapping[str, str]
                 ) -> tuple[Array | None, str]:
    """What a grid's cells are coloured by (the newest revealed quantity) and its name."""
    if mode == "image":
        return view.x, lab["x"]
    batch = view.sample is None
    for name, key in (("dZ", "dL_dz_sum" if batch else "dL_dz"), ("z", "z")):
        v = _col_vec(view, k, name)
        if v is not None:
            return v, lab[key]
    return B[k - 1], lab["bias"]


def _grid_trace(view: DiagramView, k: int, mode: str, g: _Grid, ys: Array, xo: Array, B: Sequence[Array],
                names: list[str], focus: tuple[int, int] | None, lab: Mapping[str, str], st: Style,
                n_cols: int) -> tuple[dict, str]:
    """A wide column as square cells coloured by its quantity (hover: every number; customdata (k, j))."""
    n = ys.shape[0]
    vals, what = _grid_vector(view, k, mode, B, lab)
    hover = None
    if mode != "image":
        hover = []
        for j in range(n):
            rows = [f"<b>{names[k]} {lab['unit']} {j + 1}</b>"]
            rows += _neuron_lines(view, k, j, lab, k == n_cols - 1, TEXT_DIGITS, full=True)
            if k > 0:
                rows.append(f"{lab['bias']} = {_full(B[k - 1][j])}")
            hover.append("<br>".join(rows))
    if vals is None:
        color, scale, lo, hi = np.zeros(n), [[0, pal.EMPTY_CELL], [1, pal.EMPTY_CELL]], 0.0, 1.0
    elif mode == "image":
        color, scale = np.nan_to_num(np.asarray(vals, float)), [[0, "white"], [1, pal.TEXT]]
        lo, hi = min(0.0, float(color.min())), max(1.0, float(color.max()))
    else:
        color = np.nan_to_num(np.asarray(vals, float), nan=0.0, posinf=0.0, neginf=0.0)
        m = float(np.abs(color).max()) or 1.0
        scale, lo, hi = [[p, c] for p, c in pal.DIVERGING], -m, m
    is_focus = np.zeros(n, bool)
    if focus is not None and focus[0] == k:
        is_focus[focus[1]] = True
    j = np.arange(n)
    if hover is None:  # an image: one raster (a heatmap: cheap to redraw), its pixels' hover from one template
        side = g.cols
        cd = np.stack([j + 1, j // side + 1, j % side + 1], axis=1).reshape(side, side, 3)
        head = (f"<b>{names[k]} {lab['unit']} %{{customdata[0]}}</b> \u00b7 "
                + lab["pixel"].format(r="%{customdata[1]}", c="%{customdata[2]}"))
        value = f"<br>{lab['x']} = %{{z:.6~g}}" if vals is not None else ""
        trace = dict(type="heatmap", x=k + xo[:side], y=ys[::side], z=color.reshape(side, side), customdata=cd,
                     colorscale=scale, zmin=lo, zmax=hi, showscale=False,
                     hovertemplate=head + value + "<extra></extra>", hoverlabel=dict(font=dict(size=st.small)),
                     meta={"role": "grid", "column": k, "mode": mode, "quantity": what})
        return trace, what
    cd = np.stack([np.full(n, k), j], axis=1)
    trace = dict(type="scatter", mode="markers", x=k + xo, y=ys, customdata=cd, showlegend=False,
                 hovertext=hover, hovertemplate="%{hovertext}<extra></extra>",
                 marker=dict(symbol="square", size=max(2.0, g.cell * GRID_WIDTH - 1), color=color,
                             colorscale=scale, cmin=lo, cmax=hi, showscale=False, opacity=1,
                             line=dict(width=np.where(is_focus, 3.0, 0.0), color=pal.HIGHLIGHT)),
                 hoverlabel=dict(font=dict(size=st.small)), unselected=dict(marker=dict(opacity=1)),
                 meta={"role": "grid", "column": k, "mode": mode, "quantity": what})
    return trace, what


def _grid_layout(n: int, g: _Grid, ppy: float, ppx: float) -> tuple[Array, Array]:
    """(y, x offset) of each cell, row-major (an image's pixel j is row j // side, column j % side)."""
    j = np.arange(n)
    r, c = j // g.cols, j % g.cols
    sy, sx = g.cell / ppy, g.cell / ppx
    return (g.rows - 1) / 2 * sy - r * sy, (c - (g.cols - 1) / 2) * sx


def _with_what(names: list[str], cards: _Cards) -> list[str]:
    """Column names, with the quantity of a one-line column's cards (e.g. "hidden 1 \u00b7 z")."""
    return [f"{n} \u00b7 {w}" if w else n for n, w in zip(names, cards.what)]


def _hot(view: DiagramView, shown: list[Array], focus: tuple[int, int] | None) -> set[tuple[int, int]]:
    """Units outlined: the active phase's layer and the focused unit."""
    col = _active_column(view, len(shown))
    out = {(col, int(j)) for j in shown[col]} if col is not None else set()
    return out | ({focus} if focus is not None else set())


def _x_range(cards: _Cards, n_cols: int, width: float) -> tuple[float, float]:
    """The x axis: each outer column's cards (or circles' text-free margin) inside the plot, at the
    narrowest width the figure declares."""
    lo_px, hi_px = cards.hw[0] + 12, cards.hw[-1] + 12
    # solve for the range [-a, n_cols - 1 + b] with a = lo_px / ppx, b = hi_px / ppx, ppx = width / span
    span = (n_cols - 1) * width / max(width - lo_px - hi_px, width * 0.3)
    ppx = width / span
    return -max(0.3, lo_px / ppx), n_cols - 1 + max(0.3, hi_px / ppx)


# -- the figure -----------------------------------------------------------------------------------
def network_figure(net, view: DiagramView | None = None, **kw) -> go.Figure:
    """The diagram of ``net`` showing what ``view`` reveals, as a plotly figure (see network_spec)."""
    # plotly's per-property validation would be ~70% of the build; tests validate these in full.
    return go.Figure(network_spec(net, view, **kw), _validate=False)


def network_spec(net, view: DiagramView | None = None, *, labels: Mapping[str, str] | None = None,
                 focus: tuple[int, int] | None = None, max_edges: int = 300, max_units: int = 16,
                 height: int | None = None, projector: bool = False, image_side: int | None = None,
                 edges_k: int = 20) -> dict:
    """The diagram of ``net`` showing what ``view`` reveals, as a plotly figure dict ``{"data", "layout"}``
    (the Step page draws one on every click, so it skips plotly's figure objects).
    ``focus=(k, j)``: neuron column k, unit j (0 = inputs), drawn with all its incoming and outgoing
    edges only. ``projector``: sized for a room (numbers >= 24 px, see PROJECTOR). No text overlaps
    other text or crosses an edge at any width >= ``layout.meta["min_width"]`` (viz/placement.py).

    Columns wider than ``max_units``: the inputs as the sample's image when they are ``image_side`` squared
    pixels, a hidden layer as a grid of cells coloured by its newest quantity; then only the ``edges_k``
    strongest edges per layer are drawn (of the focused unit: its ``edges_k`` strongest in and out)."""
    st = PROJECTOR if projector else DEFAULT
    height = int(height or st.height)
    lab = merge_labels(NETWORK_LABELS, labels)
    max_units, max_edges, edges_k = max(2, int(max_units)), max(0, int(max_edges)), max(1, int(edges_k))
    widths = list(net.sizes)
    view = view or DiagramView()
    if view.sizes is not None and tuple(view.sizes) != tuple(widths):
        view = DiagramView()  # a record from another run: show the weights only
    W = view.weights if view.weights is not None else net.weights
    B = view.biases if view.biases is not None else net.biases
    n_cols = len(widths)
    if focus is not None and not (0 <= focus[0] < n_cols and 0 <= focus[1] < widths[focus[0]]):
        focus = None
    modes = _modes(widths, max_units, image_side)
    wide = any(modes)
    names = _column_names(n_cols, lab)
    shown = []
    for k, n in enumerate(widths):
        adjacent = focus is not None and abs(k - focus[0]) == 1
        keep = focus[1] if focus is not None and k == focus[0] else None
        full = adjacent or modes[k] is not None
        shown.append(np.arange(n) if full else _shown_units(_unit_scores(view, W, k, n), max_units, keep))
    ys = [_positions(units, n, max_units) for units, n in zip(shown, widths)]
    xo = [np.zeros(n) for n in widths]
    narrow = [u if m is None else np.array([], dtype=int) for u, m in zip(shown, modes)]
    span = max([min(u.size, max_units) for u in narrow] + [2, 10 if wide else 2])
    top = (span - 1) / 2.0
    more = any(u.size < n for u, n, m in zip(shown, widths, modes) if m is None)
    bottom = -top - (1.1 if more else 0.6)
    if wide:
        edges, nonfinite = _select_edges(view, W, shown, max_edges, focus, edges_k)
    else:
        edges, nonfinite = _select_edges(view, W, shown, max_edges, focus)
    total = sum(w.size for w in W)
    sub = []
    if focus is not None and wide:
        sub.append(lab["focus_k"].format(k=edges_k, name=names[focus[0]], unit=focus[1] + 1))
    elif focus is not None:
        sub.append(lab["focus"].format(n=edges.w.size, name=names[focus[0]], unit=focus[1] + 1))
    elif wide:
        sub.append(lab["showing_k"].format(k=edges_k, total=f"{total:,}"))
    elif edges.w.size < total:
        sub.append(lab["showing"].format(shown=f"{edges.w.size:,}", total=f"{total:,}"))
    if nonfinite:
        sub.append(lab["nonfinite"].format(n=nonfinite))
    labelled = 0 < edges.w.size <= EDGE_LABEL_MAX and not wide
    if labelled:
        sub.append(lab[_edge_kind(view, edges)])
    margin = dict(l=10, r=10, t=st.top + (st.sub if sub else 0), b=10)
    plot_h = height - margin["t"] - margin["b"]
    plot_w = st.min_width - margin["l"] - margin["r"]
    # the headers (at top + 0.6, text above it) inside the plot: solve for the y range that leaves them room
    y_lo = bottom
    y_hi = y_lo + (top + 0.6 - y_lo) / (1 - min(0.5, (st.base * LINE_HEIGHT + 6) / plot_h))
    px_per_unit = plot_h / (y_hi - y_lo)
    # wide columns: their cells fill the column's height and at most ~45% of the space between columns
    grids, fixed, gtraces = {}, {}, []
    ppx0 = plot_w / (n_cols - 1 + 1.2)
    for k, m in enumerate(modes):
        if m is not None:
            # an image has no column on its left: it may take most of the space to its right too
            g = _grid_shape(widths[k], m, (2 * top + 0.6) * px_per_unit, (0.8 if k == 0 else 0.45) * ppx0)
            grids[k] = g
            fixed[k] = (g.cols * g.cell / 2, _grid_vector(view, k, m, B, lab)[1])
    circle_px = [float(np.clip(0.55 * px_per_unit * (1.0 if u.size <= max_units else (max_units - 1) / (u.size - 1)),
                               8, 36)) for u in shown]
    hot = _hot(view, narrow, focus)
    cards = _cards(view, narrow, ys, B, px_per_unit, plot_w, st, lab, fixed)
    x_lo, x_hi = _x_range(cards, n_cols, plot_w)
    ppx = plot_w / (x_hi - x_lo)
    for k, g in grids.items():
        ys[k], xo[k] = _grid_layout(widths[k], g, px_per_unit, ppx * GRID_WIDTH)
        gtraces.append(_grid_trace(view, k, modes[k], g, ys[k], xo[k], B, names, focus, lab, st, n_cols)[0])
    frame = placement.Frame(x_lo, x_hi, y_lo, y_hi, plot_w, plot_h)
    edge_text, unplaced = [], 0
    if labelled:
        obstacles, spans = _obstacles(frame, narrow, ys, cards, circle_px, widths, names, top, st, lab), []
        for li in edges.layer:
            (x0, _), (x1, _) = frame.px(float(li), 0.0), frame.px(float(li) + 1, 0.0)
            lo = (max(cards.hw[li], circle_px[li] / 2) + 4) / (x1 - x0)
            hi = 1 - (max(cards.hw[li + 1], circle_px[li + 1] / 2) + 4) / (x1 - x0)
            spans.append((lo, max(lo, hi)))
        edge_text, unplaced = _edge_labels(view, edges, ys, frame, obstacles, spans, st)
    if unplaced:
        sub.append(lab["on_hover"].format(n=unplaced))
    data = _edge_traces(edges, ys, xo) + edge_text + _edge_hover(view, edges, ys, xo, names, lab) + gtraces
    data.append(_neurons(view, narrow, ys, cards, B, names, hot, focus, circle_px, lab, st))
    annotations = _headers(shown, widths, _with_what(names, cards), top + 0.6, -top - 0.5, lab, st, modes)
    layout = dict(
        title=dict(text=_title(view, lab), subtitle=dict(text=" \u00b7 ".join(sub), font=dict(size=st.small)),
                   x=0.01, xanchor="left", font=dict(size=st.title)),
        height=height, margin=margin, uirevision="network", meta={"min_width": st.min_width},
        paper_bgcolor=pal.BACKGROUND, plot_bgcolor=pal.BACKGROUND, font=dict(family=pal.FONT["family"],
                                                                              size=st.base),
        xaxis=dict(visible=False, range=[x_lo, x_hi], fixedrange=False),
        yaxis=dict(visible=False, range=[y_lo, y_hi]),
        hovermode="closest", showlegend=False, annotations=annotations,
        hoverlabel=dict(font=dict(size=st.small)),
    )
    shapes = _band(view, n_cols, -top - 0.45, top + 0.55) + _card_shapes(cards, ys, hot, focus, st)
    if shapes:
        layout["shapes"] = shapes
    return {"data": data, "layout": layout}


def _obstacles(frame: placement.Frame, shown: list[Array], ys: list[Array], cards: _Cards, circle_px: list[float],
               widths: Sequence[int], names: list[str], top: float, st: Style,
               lab: Mapping[str, str]) -> list[placement.Box]:
    """Everything an edge label must keep clear of, in px: cards, circles and the column headers."""
    out = []
    for k, units in enumerate(shown):
        for j in units:
            cx, cy = frame.px(float(k), float(ys[k][j]))
            if cards.rows[k] is not None:
                out.append(placement.Box(cx, cy, cards.hw[k], cards.hh[k]))
            else:
                out.append(placement.Box(cx, cy, circle_px[k] / 2, circle_px[k] / 2))
        hx, hy = frame.px(float(k), top + 0.6)
        hw = placement.text_px(f"{_with_what(names, cards)[k]} ({widths[k]})", st.base) / 2
        out.append(placement.Box(hx, hy + st.base * LABEL_HEIGHT / 2, hw, st.base * LABEL_HEIGHT / 2))
    return out
