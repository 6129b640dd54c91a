"""Figures for the "Loss landscape" and "Compare" pages, from plain arrays (no core dependency).

Grid convention: ``alphas`` (nx,) and ``betas`` (ny,) are ascending coordinates along two directions
in weight space and ``S`` (ny, nx) holds the loss with S[i, j] at (alphas[j], betas[i]), the
orientation plotly's Heatmap, Contour and Surface use for z.

Clicks: Streamlit's ``st.plotly_chart(..., on_select="rerun")`` reports selected *scatter points*
only, never heatmap cells, so the contour figure carries a nearly invisible Scatter named
``CLICK_TRACE`` with one marker per grid node (subsampled to at most ``MAX_CLICK_POINTS``) and
``customdata[k] = (alpha, beta)``. A page maps a click back to coordinates with
``click_coordinates(event.selection.points)`` below: the browser returns that customdata as an
object {"0": alpha, "1": beta} (plotly sends NumPy arrays as typed arrays), not as a list.

User-facing text comes from the exported ``*_LABELS`` dicts (English); ``labels`` overrides them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from viz.common import base_layout, deep_merge, merge_labels
from viz.palette import FONT, HIGHLIGHT, NEGATIVE, POSITIVE, TEXT

Array = np.ndarray

CLIP_PERCENTILE = 98.0  # colours stop here when the values above would stretch the scale a lot
CLIP_STRETCH = 0.5  # ...i.e. when max exceeds that percentile by more than half the range below it
MAX_CLICK_POINTS = 6_400  # at most about 80 x 80 clickable nodes
CLICK_TRACE = "click-grid"
LIFT = 0.02  # the 3-D path floats this share of the height range above the surface
COLORSCALE = "Viridis"  # perceptually uniform and colour-blind safe
COMPARE_SCALE = ((0.0, "#FFFFFF"), (1.0, "#6E6E6E"))  # pale, so coloured runs stand out
RUN_COLORS = (POSITIVE, NEGATIVE, "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
RUN_DASHES = ("solid", "dash", "dot", "dashdot")

LANDSCAPE_LABELS: dict[str, str] = {
    "title": "Loss landscape around the current weights",
    "x": "direction 1",
    "y": "direction 2",
    "loss": "loss",
    "log_loss": "loss (log scale)",
    "trajectory": "path of training",
    "current": "current weights",
    "arrow": "next step \u2212lr\u00b7\u2207L (projected)",
    "hover": "({a:.3f}, {b:.3f})<br>loss {loss}",
    "clipped": "colours capped at loss {value:.3g} (the {pct:g}th percentile)",
    "gaps": "{n} non-finite cell(s) left blank",
    "floored": "{n} cell(s) \u2264 0 drawn at the smallest positive loss",
    "empty": "no finite loss values to draw",
    "path_dropped": "{n} non-finite path point(s) not drawn",
}

COMPARE_LABELS: dict[str, str] = {
    "title": "Loss of each run",
    "landscape_title": "Each run's path over one loss landscape",
    "x": "iteration",
    "y": "loss",
    "dir_x": "direction 1",
    "dir_y": "direction 2",
    "start": "{name}: start",
    "dropped": "{n} non-finite or non-positive value(s) not drawn",
    "empty": "no runs to compare",
}


# -- shared helpers ---------------------------------------------------------------------------
def _layout_dict(title: str, notes: Sequence[str], height: int, uirevision: str) -> dict:
    """``base_layout`` with the legend in a row under the plot."""
    return deep_merge(base_layout(title, notes, height, uirevision),
                      {"legend": {"orientation": "h", "yanchor": "top", "y": -0.14, "x": 0}})


def _axis(title: str, lo: float, hi: float) -> dict:
    return {"title": {"text": title, "font": {"size": FONT["base"]}}, "tickfont": {"size": FONT["small"]},
            "range": [lo, hi]}


def _layout(fig: go.Figure, title: str, notes: Sequence[str], height: int, uirevision: str) -> go.Figure:
    """``_layout_dict`` applied to an existing figure, with readable axis fonts."""
    fig.update_layout(_layout_dict(title, notes, height, uirevision))
    fig.update_xaxes(title_font={"size": FONT["base"]}, tickfont={"size": FONT["small"]})
    fig.update_yaxes(title_font={"size": FONT["base"]}, tickfont={"size": FONT["small"]})
    return fig


class _Parts:
    """Traces and annotations gathered first, so a Figure is built in one go: plotly's update_layout and
    update_*axes on an existing Figure cost tens of milliseconds each, constructing it costs a few."""

    def __init__(self, *traces) -> None:
        self.data: list = list(traces)
        self.annotations: list[dict] = []

    def add_trace(self, trace) -> _Parts:
        self.data.append(trace)
        return self

    def add_annotation(self, **kw) -> _Parts:
        self.annotations.append(kw)
        return self


def _fmt(x: float) -> str:
    return f"{x:.4g}" if math.isfinite(x) else "\u2014"


class ColorValues:
    """How loss values become colour (and surface height) values: clip, then optionally log10.

    ``values`` (ny, nx) NaN where S is not finite; ``clip`` the cap or None; ``floor`` the smallest
    positive loss used for cells <= 0 on a log scale; ``notes`` what changed, for the subtitle."""

    def __init__(self, S: Array, log: bool, lab: Mapping[str, str]) -> None:
        S = np.asarray(S, dtype=float)
        finite = np.isfinite(S)
        v = S[finite]
        self.log, self.clip, self.floor, self.notes = log, None, 1e-12, []
        if v.size:
            p = float(np.percentile(v, CLIP_PERCENTILE, method="lower"))  # an actual value of S
            if float(v.max()) - p > CLIP_STRETCH * (p - float(v.min())):
                self.clip = p
                self.notes.append(lab["clipped"].format(value=p, pct=CLIP_PERCENTILE))
            pos = v[v > 0]
            self.floor = float(pos.min()) if pos.size else 1e-12
            if log and (v <= 0).any():
                self.notes.append(lab["floored"].format(n=int((v <= 0).sum())))
        if (~finite).any():
            self.notes.append(lab["gaps"].format(n=int((~finite).sum())))
        self.values = self(S)

    def __call__(self, s: Array) -> Array:
        """Colour values of raw losses (non-finite in, NaN out)."""
        s = np.array(s, dtype=float)
        bad = ~np.isfinite(s)
        if self.clip is not None:
            s = np.minimum(s, self.clip)
        if self.log:
            s = np.log10(np.maximum(s, self.floor))
        s[bad] = np.nan
        return s

    def colorbar(self, lab: Mapping[str, str]) -> dict:
        """Colour bar titled loss; on a log scale, ticks at whole decades labelled with the loss."""
        bar = {"title": {"text": lab["log_loss" if self.log else "loss"]}, "tickfont": {"size": FONT["small"]}}
        v = self.values[np.isfinite(self.values)]
        if self.log and v.size:
            decades = list(range(math.floor(v.min()), math.ceil(v.max()) + 1))
            bar.update(tickvals=decades, ticktext=[f"{10.0 ** d:g}" for d in decades])
        return bar


def bilinear(alphas: Array, betas: Array, C: Array, points: Array) -> Array:
    """C (ny, nx) interpolated at points (m, 2) = (alpha, beta); outside the grid: the nearest edge."""
    alphas, betas = np.asarray(alphas, dtype=float), np.asarray(betas, dtype=float)
    pts = np.asarray(points, dtype=float).reshape(-1, 2)

    def locate(grid: Array, x: Array) -> tuple[Array, Array]:
        i = np.clip(np.searchsorted(grid, x) - 1, 0, len(grid) - 2)
        t = np.clip((x - grid[i]) / (grid[i + 1] - grid[i]), 0.0, 1.0)
        return i, t

    ia, ta = locate(alphas, pts[:, 0])
    ib, tb = locate(betas, pts[:, 1])
    low = (1 - ta) * C[ib, ia] + ta * C[ib, ia + 1]
    high = (1 - ta) * C[ib + 1, ia] + ta * C[ib + 1, ia + 1]
    return (1 - tb) * low + tb * high


def click_coordinates(points: Sequence[Mapping]) -> tuple[float, float] | None:
    """(alpha, beta) of the first selected point of a Streamlit selection, or None.

    Its customdata when present: a list, or the {"0": a, "1": b} object the browser sends back for
    customdata that plotly serialised as a typed array. Otherwise the point's x and y (a click on
    the path or the current point). Non-numeric or non-finite values are skipped.
    """
    for p in points or ():
        cd = p.get("customdata")
        if isinstance(cd, Mapping):
            cd = [cd.get("0", cd.get(0)), cd.get("1", cd.get(1))]
        pair = cd[:2] if cd is not None and len(cd) >= 2 else (p.get("x"), p.get("y"))
        try:
            a, b = float(pair[0]), float(pair[1])
        except (TypeError, ValueError):
            continue
        if math.isfinite(a) and math.isfinite(b):
            return a, b
    return None


# -- contour pieces -------------------------------------------------------------------------------
def _contour_base(fig: go.Figure | _Parts, alphas: Array, betas: Array, cv: ColorValues, colorscale,
                  lab: Mapping[str, str], line_color: str = "rgba(255, 255, 255, 0.65)") -> None:
    """Heatmap of the colour values (true loss in the hover) plus contour lines on the same values."""
    fig.add_trace(go.Heatmap(x=alphas, y=betas, z=cv.values, colorscale=colorscale, colorbar=cv.colorbar(lab),
                             name=lab["loss"], hoverinfo="skip", zsmooth="best"))
    if np.isfinite(cv.values).sum() >= 4:
        fig.add_trace(go.Contour(x=alphas, y=betas, z=cv.values, showscale=False, ncontours=16, hoverinfo="skip",
                                 contours={"coloring": "none"}, line={"color": line_color, "width": 1.2},
                                 name="contours", showlegend=False))


def _click_grid(fig: go.Figure | _Parts, alphas: Array, betas: Array, S: Array, lab: Mapping[str, str]) -> None:
    """Nearly invisible markers on the grid nodes, customdata (alpha, beta), to catch clicks."""
    stride = max(1, math.ceil(math.sqrt(len(alphas) * len(betas) / MAX_CLICK_POINTS)))
    ja, ib = np.arange(0, len(alphas), stride), np.arange(0, len(betas), stride)
    A, B = np.meshgrid(alphas[ja], betas[ib])
    L = S[np.ix_(ib, ja)]
    # a NumPy array, not a list: plotly validates and copies a list element by element (tens of ms here)
    # Python floats format ~10x faster than NumPy scalars
    text = np.array([lab["hover"].format(a=a, b=b, loss=_fmt(s))
                     for a, b, s in zip(A.ravel().tolist(), B.ravel().tolist(), L.ravel().tolist())])
    fig.add_trace(go.Scatter(x=A.ravel(), y=B.ravel(), mode="markers", name=CLICK_TRACE, showlegend=False,
                             customdata=np.column_stack([A.ravel(), B.ravel()]), text=text,
                             hovertemplate="%{text}<extra></extra>",
                             hoverlabel={"bgcolor": "#FFFFFF", "bordercolor": TEXT, "font": {"color": TEXT}},
                             marker={"size": 10, "color": "rgba(255, 255, 255, 0.01)"}))


def _path(fig: go.Figure | _Parts, xy: Array, name: str, color: str, dash: str, *, halo: bool) -> int:
    """A 2-D path (m, 2): finite rows only, with a dark halo under light lines; returns rows dropped."""
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    ok = np.all(np.isfinite(xy), axis=1)
    x, y = xy[ok, 0], xy[ok, 1]
    if halo:
        fig.add_trace(go.Scatter(x=x, y=y, mode="lines", line={"color": TEXT, "width": 7}, hoverinfo="skip",
                                 showlegend=False, name=name + " (halo)"))
    fig.add_trace(go.Scatter(x=x, y=y, mode="lines+markers", name=name, line={"color": color, "width": 3,
                                                                             "dash": dash},
                             marker={"size": 6, "color": color, "line": {"width": 1, "color": TEXT}},
                             hovertemplate="(%{x:.3f}, %{y:.3f})<extra>" + name + "</extra>"))
    return int((~ok).sum())


def _finite_point(p) -> tuple[float, float] | None:
    if p is None:
        return None
    a, b = float(p[0]), float(p[1])
    return (a, b) if math.isfinite(a) and math.isfinite(b) else None


def _arrow_2d(fig: go.Figure | _Parts, arrow, lab: Mapping[str, str]) -> None:
    """The shaft as a Scatter (for the legend) and the head as an annotation arrow from tail to tip."""
    (a0, b0), (a1, b1) = arrow
    fig.add_trace(go.Scatter(x=[a0, a1], y=[b0, b1], mode="lines", line={"color": TEXT, "width": 8},
                             hoverinfo="skip", showlegend=False, name=lab["arrow"] + " (halo)"))
    fig.add_trace(go.Scatter(x=[a0, a1], y=[b0, b1], mode="lines", name=lab["arrow"],
                             line={"color": NEGATIVE, "width": 4}, hoverinfo="skip"))
    fig.add_annotation(x=a1, y=b1, ax=a0, ay=b0, xref="x", yref="y", axref="x", ayref="y", text="",
                       showarrow=True, arrowhead=2, arrowsize=1.3, arrowwidth=4, arrowcolor=NEGATIVE)


def _valid_arrow(arrow):
    if arrow is None:
        return None
    p0, p1 = _finite_point(arrow[0]), _finite_point(arrow[1])
    return (p0, p1) if p0 and p1 else None


# -- the landscape ---------------------------------------------------------------------------------
def landscape_figure(alphas: Array, betas: Array, S: Array, *, mode: str = "contour", trajectory: Array | None = None,
                     trajectory_loss: Array | None = None, current: tuple[float, float] | None = None,
                     arrow=None, axis_titles: tuple[str, str] | None = None, log_color: bool = False,
                     labels: Mapping[str, str] | None = None) -> go.Figure:
    """The loss over a 2-D slice of weight space.

    mode 'contour': Heatmap + Contour lines + the clickable grid (see the module docstring), the
    trajectory (m, 2) as a line, ``current`` as a star, ``arrow`` ((a0, b0), (a1, b1)) as an
    annotation arrow. mode 'surface': a Surface with the trajectory lifted slightly above it and the
    arrow as a 3-D line ending in a Cone. Colours are capped at a high percentile when a few huge
    values would wash the picture out; non-finite cells are gaps; ``log_color`` colours by log10.
    ``axis_titles`` defaults to the labels' "direction 1" / "direction 2".
    """
    lab = merge_labels(LANDSCAPE_LABELS, labels)
    alphas, betas = np.asarray(alphas, dtype=float), np.asarray(betas, dtype=float)
    S = np.asarray(S, dtype=float)
    if S.shape != (len(betas), len(alphas)):
        raise ValueError(f"S must have shape (len(betas), len(alphas)) = {(len(betas), len(alphas))}, got {S.shape}.")
    titles = axis_titles or (lab["x"], lab["y"])
    cv = ColorValues(S, log_color, lab)
    notes = list(cv.notes)
    if not np.isfinite(cv.values).any():
        notes.append(lab["empty"])
    if mode == "surface":
        return _surface(alphas, betas, cv, trajectory, trajectory_loss, current, arrow, titles, lab, notes)
    fig = _Parts()
    _contour_base(fig, alphas, betas, cv, COLORSCALE, lab)
    _click_grid(fig, alphas, betas, S, lab)
    if trajectory is not None and len(trajectory):
        dropped = _path(fig, trajectory, lab["trajectory"], "#FFFFFF", "solid", halo=True)
        if dropped:
            notes.append(lab["path_dropped"].format(n=dropped))
    cur = _finite_point(current)
    if cur:  # under the arrow, so a short step still shows on top of the star
        fig.add_trace(go.Scatter(x=[cur[0]], y=[cur[1]], mode="markers", name=lab["current"],
                                 marker={"symbol": "star", "size": 20, "color": HIGHLIGHT,
                                         "line": {"width": 2, "color": TEXT}},
                                 hovertemplate="(%{x:.3f}, %{y:.3f})<extra>" + lab["current"] + "</extra>"))
    arrow = _valid_arrow(arrow)
    if arrow:
        _arrow_2d(fig, arrow, lab)
    layout = {**_layout_dict(lab["title"], notes, 620, "landscape-contour"),
              "xaxis": _axis(titles[0], float(alphas[0]), float(alphas[-1])),
              "yaxis": _axis(titles[1], float(betas[0]), float(betas[-1])),
              "clickmode": "event+select", "hovermode": "closest", "annotations": fig.annotations}
    return go.Figure(data=fig.data, layout=layout)


def _surface(alphas: Array, betas: Array, cv: ColorValues, trajectory, trajectory_loss, current, arrow,
             titles: tuple[str, str], lab: Mapping[str, str], notes: list[str]) -> go.Figure:
    """Surface of the colour values; path, current point and arrow as 3-D traces floating above it;
    the whole 3-D figure, laid out."""
    C = cv.values
    finite = C[np.isfinite(C)]
    lift = LIFT * (float(finite.max() - finite.min()) if finite.size and finite.max() > finite.min() else 1.0)
    fig = _Parts(go.Surface(x=alphas, y=betas, z=C, colorscale=COLORSCALE, colorbar=cv.colorbar(lab),
                            name=lab["loss"], hovertemplate="(%{x:.3f}, %{y:.3f})<br>%{z:.4g}<extra></extra>",
                            contours={"z": {"show": True, "usecolormap": True, "width": 2}}))

    def height(points: Array, losses: Array | None) -> Array:
        z = cv(losses) if losses is not None else bilinear(alphas, betas, C, points)
        return np.asarray(z, dtype=float).ravel() + lift

    if trajectory is not None and len(trajectory):
        xy = np.asarray(trajectory, dtype=float).reshape(-1, 2)
        z = height(xy, None if trajectory_loss is None else np.asarray(trajectory_loss, dtype=float).ravel())
        ok = np.all(np.isfinite(xy), axis=1) & np.isfinite(z)
        if (~ok).any():
            notes.append(lab["path_dropped"].format(n=int((~ok).sum())))
        fig.add_trace(go.Scatter3d(x=xy[ok, 0], y=xy[ok, 1], z=z[ok], mode="lines+markers", name=lab["trajectory"],
                                   line={"color": TEXT, "width": 6}, marker={"size": 3, "color": "#FFFFFF"}))
    cur = _finite_point(current)
    if cur:
        zc = height(np.array([cur]), None)
        if np.isfinite(zc).all():
            fig.add_trace(go.Scatter3d(x=[cur[0]], y=[cur[1]], z=zc, mode="markers", name=lab["current"],
                                       marker={"symbol": "diamond", "size": 9, "color": HIGHLIGHT,
                                               "line": {"width": 2, "color": TEXT}}))
    arrow = _valid_arrow(arrow)
    if arrow:
        _arrow_3d(fig, np.array(arrow), height(np.array(arrow), None), lab)
    axis = {"tickfont": {"size": FONT["small"]}}
    scene = {"xaxis": {"title": {"text": titles[0]}, **axis},
             "yaxis": {"title": {"text": titles[1]}, **axis},
             "zaxis": {"title": {"text": lab["log_loss" if cv.log else "loss"]}, **axis, **_z_range(finite, lift)},
             "aspectmode": "manual", "aspectratio": {"x": 1, "y": 1, "z": 0.6}, "uirevision": "landscape-surface"}
    layout = {**_layout_dict(lab["title"], notes, 680, "landscape-surface"), "scene": scene}
    return go.Figure(data=fig.data, layout=layout)


def _z_range(finite: Array, lift: float) -> dict:
    """The z axis spans the surface (and the lifted path above it), not the arrow's cone: a cone is sized
    in data units, so on a loss axis much shorter than the weight axes it would dwarf the surface."""
    if not finite.size:
        return {}
    lo, hi = float(finite.min()), float(finite.max())
    pad = 0.05 * (hi - lo) if hi > lo else 0.5 * max(abs(hi), 1e-12)
    return {"range": [lo - pad, hi + 2 * lift + pad], "autorange": False}


def _arrow_3d(fig: go.Figure | _Parts, ends: Array, z: Array, lab: Mapping[str, str]) -> None:
    """A 3-D line from tail to tip and a Cone at the tip pointing along it."""
    if not np.isfinite(z).all():
        return
    fig.add_trace(go.Scatter3d(x=ends[:, 0], y=ends[:, 1], z=z, mode="lines", name=lab["arrow"],
                               line={"color": NEGATIVE, "width": 8}))
    d = np.array([ends[1, 0] - ends[0, 0], ends[1, 1] - ends[0, 1], z[1] - z[0]])
    fig.add_trace(go.Cone(x=[ends[1, 0]], y=[ends[1, 1]], z=[z[1]], u=[d[0]], v=[d[1]], w=[d[2]], anchor="tip",
                          sizemode="absolute", sizeref=0.3, showscale=False, hoverinfo="skip", name=lab["arrow"],
                          colorscale=((0, NEGATIVE), (1, NEGATIVE))))


# -- comparing runs ------------------------------------------------------------------------------
def _run_style(k: int) -> tuple[str, str]:
    return RUN_COLORS[k % len(RUN_COLORS)], RUN_DASHES[k % len(RUN_DASHES)]


def compare_figure(runs: Mapping[str, tuple[Array, Array]], *, log_y: bool = False,
                   labels: Mapping[str, str] | None = None) -> go.Figure:
    """Loss curves of several runs, name -> (iterations (m,), losses (m,)), one colour and dash each;
    non-finite (and on a log axis non-positive) points dropped."""
    lab = merge_labels(COMPARE_LABELS, labels)
    fig, bad = go.Figure(), 0
    for k, (name, (its, losses)) in enumerate(runs.items()):
        x, y = np.asarray(its, dtype=float), np.asarray(losses, dtype=float)
        ok = np.isfinite(x) & np.isfinite(y) & ((y > 0) if log_y else True)
        bad += int((~ok).sum())
        color, dash = _run_style(k)
        fig.add_trace(go.Scatter(x=x[ok], y=y[ok], mode="lines", name=name, line={"color": color, "width": 3,
                                                                                  "dash": dash},
                                 hovertemplate=f"{lab['x']} %{{x}}<br>{lab['y']} %{{y:.4g}}<extra>{name}</extra>"))
    notes = [] if runs else [lab["empty"]]
    if bad:
        notes.append(lab["dropped"].format(n=bad))
    fig.update_xaxes(title_text=lab["x"])
    fig.update_yaxes(title_text=lab["y"], type="log" if log_y else "linear")
    return _layout(fig, lab["title"], notes, 440, "compare-curves")


def compare_landscape(alphas: Array, betas: Array, S: Array, trajectories: Mapping[str, Array], *,
                      log_color: bool = False, axis_titles: tuple[str, str] | None = None,
                      labels: Mapping[str, str] | None = None) -> go.Figure:
    """Several runs' paths, name -> (m, 2) coordinates, over one pale contour of S (ny, nx); each
    run keeps its compare_figure colour and dash, with an open circle at its start."""
    lab = merge_labels({**LANDSCAPE_LABELS, **COMPARE_LABELS}, labels)
    alphas, betas = np.asarray(alphas, dtype=float), np.asarray(betas, dtype=float)
    S = np.asarray(S, dtype=float)
    if S.shape != (len(betas), len(alphas)):
        raise ValueError(f"S must have shape (len(betas), len(alphas)) = {(len(betas), len(alphas))}, got {S.shape}.")
    cv = ColorValues(S, log_color, lab)
    fig, notes, dropped = go.Figure(), list(cv.notes), 0
    _contour_base(fig, alphas, betas, cv, COMPARE_SCALE, lab, line_color="rgba(60, 60, 60, 0.5)")
    for k, (name, xy) in enumerate(trajectories.items()):
        color, dash = _run_style(k)
        dropped += _path(fig, xy, name, color, dash, halo=False)
        start = np.asarray(xy, dtype=float).reshape(-1, 2)
        start = start[np.all(np.isfinite(start), axis=1)][:1]
        if len(start):
            fig.add_trace(go.Scatter(x=start[:, 0], y=start[:, 1], mode="markers", showlegend=False,
                                     name=lab["start"].format(name=name), hoverinfo="name",
                                     marker={"symbol": "circle-open", "size": 16, "color": color,
                                             "line": {"width": 3}}))
    if dropped:
        notes.append(lab["path_dropped"].format(n=dropped))
    titles = axis_titles or (lab["dir_x"], lab["dir_y"])
    fig.update_xaxes(title_text=titles[0], range=[float(alphas[0]), float(alphas[-1])])
    fig.update_yaxes(title_text=titles[1], range=[float(betas[0]), float(betas[-1])])
    return _layout(fig, lab["landscape_title"], notes, 620, "compare-landscape")
