"""The parts of the Compare page: what to vary, running with a progress bar, the cached result, figures."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import streamlit as st

import backprop_core as bp
from backprop_core import compare
from backprop_core.config import LR_OPTIONS, snap_lr
from backprop_core.landscape import SUBSAMPLE_MAX, Plane
from viz import landscape as vl

from .i18n import current_lang, labels, t, translate
from .shell import plain_markdown
from .state import AppState

P = "compare_"  # prefix of this page's session-state keys
RESULT = f"{P}result"
ASKED = f"{P}asked"
ITERATION_CHOICES = (100, 300, 1000)
FLOP_BUDGET = 1.5e10  # all variants of one click: about 3 s (see backprop_core.compare), with a progress bar
MINI_SIZES = (2, 4, 8, 16, 32, 64, 128, 256)
DRAWN_POINTS = 120  # markers per path on the landscape
STILL = 0.02  # a path spanning less than this share of the map hides under its start circle


@dataclass(frozen=True)
class Request:
    """What one click runs: the sidebar's config, the setting, its values, iterations (after the cap)."""

    base: bp.Config
    setting: str
    values: tuple
    iterations: int
    asked: int

    @property
    def key(self) -> tuple:
        return self.base, self.setting, self.values, self.iterations


@dataclass(frozen=True, eq=False)
class Result:
    """A finished comparison, kept in session state so page switches do not recompute it."""

    request: Request
    dataset: bp.Dataset
    runs: tuple[compare.VariantRun, ...]
    plane: Plane
    coords: tuple[np.ndarray, ...]
    surface: compare.SharedSurface


# -- options and names -------------------------------------------------------------------------
def options(setting: str, n_train: int) -> tuple:
    if setting == "lr":
        return LR_OPTIONS
    if setting == "optimizer":
        return tuple(bp.OPTIMIZERS)
    if setting == "hidden_act":
        return bp.HIDDEN_ACTIVATIONS
    return ("full", *(b for b in MINI_SIZES if b < n_train), "single")


def defaults(setting: str, cfg: bp.Config, opts: tuple) -> list:
    """A sensible first choice: lr /20, x1, x5 around the sidebar's; all optimizers; three activations."""
    if setting == "lr":
        picks = [snap_lr(max(cfg.lr / 20, LR_OPTIONS[0])), snap_lr(cfg.lr), snap_lr(min(cfg.lr * 5, LR_OPTIONS[-1]))]
    elif setting == "optimizer":
        picks = list(opts)
    elif setting == "hidden_act":
        picks = [cfg.hidden_act, "sigmoid", "tanh", "relu"]
    else:
        picks = ["full", max([b for b in opts if isinstance(b, int) and b <= 32], default="single"), "single"]
    return list(dict.fromkeys(p for p in picks if p in opts))[:3]


def value_name(setting: str, v, lang: str | None = None) -> str:
    """A value as shown in legends and labels, in ``lang`` (default: this session's language)."""
    lang = lang or current_lang()
    if setting == "lr":
        return translate("compare.value.lr", lang, v=f"{v:g}")
    if setting in ("optimizer", "hidden_act"):
        return translate(f"{'opt' if setting == 'optimizer' else 'act'}.{v}", lang)
    if v in ("full", "single"):
        return translate(f"compare.value.{v}", lang)
    return translate("compare.value.mini", lang, n=v)


def describe_base(cfg: bp.Config, ds: bp.Dataset) -> str:
    sizes = "-".join(map(str, (ds.n_features, *cfg.hidden, ds.n_outputs)))
    batch = value_name("batch", cfg.batch if cfg.batch != "mini" else cfg.batch_size)
    return t("compare.base", ds=t(f"ds.{cfg.dataset}"), sizes=sizes, act=t(f"act.{cfg.hidden_act}"),
             opt=t(f"opt.{cfg.optimizer}"), lr=f"{cfg.lr:g}", batch=batch, seed=cfg.seed)


def describe(req: Request) -> str:
    vals = ", ".join(value_name(req.setting, v) for v in req.values)
    return t("compare.what", setting=t(f"compare.setting.{req.setting}"), values=vals, n=req.iterations)


# -- controls ----------------------------------------------------------------------------------
def controls(app: AppState) -> Request | None:
    """Setting, values and iterations; a Request when runnable, else None (the reason is shown)."""
    cfg, ds = app.config, app.session.dataset
    st.caption(describe_base(cfg, ds))
    c = st.columns([1.3, 2.6, 1.1])
    st.session_state.setdefault(f"{P}setting", "optimizer")
    lang = current_lang()  # format functions keep the language they were drawn in (AppTest calls them later)
    setting = c[0].selectbox(t("compare.setting"), compare.SETTINGS, key=f"{P}setting",
                             format_func=lambda s: translate(f"compare.setting.{s}", lang))
    opts = options(setting, ds.n_train)
    key = f"{P}values_{setting}"
    kept = [v for v in st.session_state.get(key, defaults(setting, cfg, opts)) if v in opts]
    st.session_state[key] = kept[:compare.MAX_VARIANTS]  # more would make the widget raise
    values = c[1].multiselect(t("compare.values"), opts, key=key, max_selections=compare.MAX_VARIANTS,
                              format_func=lambda v: value_name(setting, v, lang), help=t("compare.values.help"))
    st.session_state.setdefault(f"{P}iterations", 300)
    asked = c[2].selectbox(t("compare.iterations"), ITERATION_CHOICES, key=f"{P}iterations")
    if setting == "hidden_act" and not cfg.hidden:
        st.warning(t("compare.no_hidden"))
        return None
    if len(values) < compare.MIN_VARIANTS:
        st.warning(t("compare.need_two"))
        return None
    if len(kept) > compare.MAX_VARIANTS:
        st.warning(t("compare.too_many", n=compare.MAX_VARIANTS))
    n = min(asked, compare.iteration_cap(cfg, setting, values, ds, FLOP_BUDGET))
    if n < asked:
        st.caption(t("compare.capped", n=n, asked=asked))
    return Request(cfg, setting, tuple(values), n, asked)


# -- running and the cache ---------------------------------------------------------------------
def cached(app: AppState) -> Result | None:
    """The last comparison this browser ran (for any request), if its data is still the session's."""
    res = st.session_state.get(RESULT)
    if res is None or (res.request.base.dataset == "csv" and res.dataset is not app.session.dataset):
        return None
    return res


def ask() -> None:
    """Button callback: a flag (it survives the rerun a callback may be followed by); the page runs
    the request its controls describe in that run."""
    st.session_state[ASKED] = True


def run_asked(app: AppState, req: Request | None) -> Result | None:
    """Run ``req`` once if the button asked for it."""
    asked = st.session_state.pop(ASKED, False)
    return run(app, req) if asked and req is not None else None


def run(app: AppState, req: Request) -> Result | None:
    """Train the variants with a progress bar, then the shared plane and surface; None on failure."""
    ds = app.session.dataset
    bar = st.progress(0.0, text=t("compare.running"))
    try:
        runs = compare.run_variants(req.base, req.setting, list(req.values), req.iterations, ds,
                                    progress=lambda f: bar.progress(min(1.0, f), text=t("compare.running")))
        bar.progress(1.0, text=t("compare.surface"))
        plane, coords = compare.shared_plane(runs)
        surface = compare.shared_surface(runs, plane, coords, ds, base=compare.base_index(runs, req.base))
    except (ValueError, NotImplementedError) as exc:  # e.g. a value this network cannot take
        st.error(t("compare.error", msg=str(exc)))
        return None
    finally:
        bar.empty()
    res = Result(req, ds, tuple(runs), plane, tuple(coords), surface)
    st.session_state[RESULT] = res
    return res


# -- what is shown -----------------------------------------------------------------------------
def names(res: Result) -> list[str]:
    return [value_name(r.setting, r.value) for r in res.runs]


def summary(res: Result) -> None:
    """One column per run: its colour, name, final loss, and how it ended."""
    cols = st.columns(len(res.runs))
    for k, (col, r, name) in enumerate(zip(cols, res.runs, names(res))):
        with col:
            st.markdown(f"**{k + 1}. {plain_markdown(name)}**")
            label = t("compare.final" if r.diverged is None else "compare.last")
            st.metric(label, f"{r.final_loss:.4g}" if math.isfinite(r.final_loss) else "—")
            if r.diverged is not None:
                st.error(t("compare.diverged", it=r.diverged.iteration, what=t(f"div.{r.diverged.code}")))
            else:
                st.caption(t("compare.done", n=r.done))


def fig_labels(**extra: str) -> dict[str, str]:
    return {**labels({**vl.LANDSCAPE_LABELS, **vl.COMPARE_LABELS}, "compare.fig"), **extra}


def curve_choices(res: Result) -> tuple[str, ...]:
    """'batch' only when some run uses mini-batches (for full batch it is the training loss); 'test' if any."""
    out = ("batch", "train") if any(r.config.batch != "full" for r in res.runs) else ("train",)
    return out + (("test",) if any(np.isfinite(r.test_losses).any() for r in res.runs) else ())


def curve_data(res: Result, curve: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """name -> (iterations, losses) of the chosen curve; a full-batch run's training loss is its
    per-iteration loss (the whole set is its batch)."""
    out = {}
    for r, name in zip(res.runs, names(res)):
        if curve == "batch" or (curve == "train" and r.config.batch == "full"):
            out[name] = (r.iterations, r.losses)
        else:
            out[name] = (r.eval_iterations, r.train_losses if curve == "train" else r.test_losses)
    return out


def curves(res: Result) -> None:
    choices = curve_choices(res)
    c = st.columns([4, 1])
    key = f"{P}curve"
    if st.session_state.get(key) not in choices:
        st.session_state[key] = "train"
    lang = current_lang()
    curve = c[0].radio(t("compare.curve"), choices, key=key, horizontal=True,
                       format_func=lambda s: translate(f"compare.curve.{s}", lang))
    log = c[1].toggle(t("compare.log"), key=f"{P}log")
    data = curve_data(res, curve)
    fig = vl.compare_figure(data, log_y=log, labels=fig_labels(y=t(f"compare.curve.{curve}")))
    # the builder's legend sits on the x-axis title at this height: put it at the bottom of the figure instead
    fig.update_layout(margin={"b": 110}, legend={"yref": "container", "y": 0.02, "yanchor": "bottom"})
    top, off = linear_cap(res, data)
    if off and not log:
        fig.update_yaxes(range=[0, top])
    st.plotly_chart(fig, key=f"{P}curves", config={"displayModeBar": False})
    if off and not log:
        st.caption(t("compare.off_chart", names=", ".join(off), top=f"{top:.3g}"))


def linear_cap(res: Result, data: dict) -> tuple[float, list[str]]:
    """A linear y range that keeps the runs that did not diverge readable, and the runs that leave it.
    (0, []) when nothing would be cut or every run diverged."""
    def peak(y: np.ndarray) -> float:
        y = np.asarray(y, dtype=float)
        y = y[np.isfinite(y)]
        return float(y.max()) if y.size else 0.0

    peaks = {name: peak(y) for name, (_, y) in data.items()}
    tame = [peaks[n] for r, n in zip(res.runs, data) if r.diverged is None]
    if not tame or max(tame) <= 0:
        return 0.0, []
    top = 1.1 * max(tame)
    return top, [n for n, p in peaks.items() if p > top]


def thinned(xy: np.ndarray, most: int = DRAWN_POINTS) -> np.ndarray:
    """At most ``most`` rows of a path (evenly spaced, the first and last kept), so markers stay apart."""
    if len(xy) <= most:
        return xy
    idx = np.unique(np.linspace(0, len(xy) - 1, most).round().astype(int))
    return xy[idx]


def landscape(res: Result) -> None:
    s, plane = res.surface, res.plane
    pct = [100 * float(e) for e in (plane.explained if plane.explained is not None else (0, 0))]
    titles = (t("compare.dir", k=1, pct=pct[0]), t("compare.dir", k=2, pct=pct[1]))
    paths = {name: thinned(c) for name, c in zip(names(res), res.coords)}
    log = st.session_state.get(f"{P}log", False)
    fig = vl.compare_landscape(s.alphas, s.betas, s.S, paths, log_color=log, axis_titles=titles, labels=fig_labels())
    st.plotly_chart(fig, key=f"{P}landscape", config={"displayModeBar": False})
    base = names(res)[s.base]
    notes = [t("compare.plane_caption", pct=sum(pct))]
    if res.request.setting == "hidden_act":
        notes.append(t("compare.plane_act", base=base))
    if any(r.config.batch != "full" for r in res.runs):
        notes.append(t("compare.plane_batch"))
    span = max(float(s.alphas[-1] - s.alphas[0]), float(s.betas[-1] - s.betas[0]))
    still = [n for c, n in zip(res.coords, names(res)) if np.ptp(c, axis=0).max(initial=0.0) < STILL * span]
    if still:
        notes.append(t("compare.plane_still", names=", ".join(still)))
    gone = [n for r, n in zip(res.runs, names(res)) if r.diverged is not None]
    if gone and len(gone) < len(res.runs):
        notes.append(t("compare.plane_diverged", names=", ".join(gone)))
    if s.subsampled:
        notes.append(t("compare.subsampled", n=SUBSAMPLE_MAX, total=res.dataset.n_train))
    st.caption(" ".join(notes))


def explain(setting: str) -> None:
    with st.expander(t("compare.look"), expanded=True):
        st.markdown(t(f"compare.look.{setting}"))
