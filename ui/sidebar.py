"""The shared sidebar: every setting of the run, returned as one Config."""

from __future__ import annotations

import streamlit as st

import backprop_core as bp
from backprop_core.config import (
    BATCH_MODES,
    LR_OPTIONS,
    MAX_GENERATED_SAMPLES,
    MAX_HIDDEN_LAYERS,
    MAX_WIDTH,
    Config,
    sample_cap,
)
from backprop_core.datasets import IMAGE_SETS
from backprop_core.presets import PRESETS, preset_of

from .i18n import LANG_NAMES, LANGS, bound, t
from .state import AppState

W = "w_"  # prefix of every sidebar widget key
BETA_OPTIONS = (0.0, 0.5, 0.8, 0.9, 0.95, 0.99, 0.995, 0.999)
CUSTOM = "custom"
EDIT = {"on_change": None}  # filled below: every hand edit marks the run as no longer a preset
PENDING = "_preset_pending"


def seed_widgets(cfg: Config, force: bool = False) -> None:
    """Put a Config's values into the widget keys (first run, preset chosen, run uploaded)."""
    values = {f"{W}{name}": getattr(cfg, name) for name in Config.__dataclass_fields__}
    values[f"{W}n_hidden"] = len(cfg.hidden)
    for i, width in enumerate(cfg.hidden):
        values[f"{W}hidden_{i}"] = width
    values.pop(f"{W}hidden")
    values[f"{W}preset"] = preset_of(cfg) or CUSTOM
    for k, v in values.items():
        if force or k not in st.session_state:
            st.session_state[k] = v


def _load_preset() -> None:
    name = st.session_state[f"{W}preset"]
    if name in PRESETS:
        seed_widgets(PRESETS[name], force=True)
        st.session_state[PENDING] = PRESETS[name]  # fields with no widget on screen come from here


def _mark_custom() -> None:
    """Any hand-made change means the run is no longer exactly a preset."""
    st.session_state[f"{W}preset"] = CUSTOM


EDIT["on_change"] = _mark_custom


def _dataset_changed() -> None:
    """A new dataset starts from its own sensible noise and size."""
    _mark_custom()
    spec = bp.DATASETS.get(st.session_state[f"{W}dataset"])
    if spec is not None:
        st.session_state[f"{W}noise"] = spec.noise
        st.session_state[f"{W}n_samples"] = min(sample_cap(spec.name) or MAX_GENERATED_SAMPLES, max(20, spec.n_samples))


def _fix_choice(key: str, options: tuple) -> None:
    if st.session_state.get(key) not in options:
        st.session_state[key] = options[0]


def _select(name: str, options: tuple, label_key: str, fmt_prefix: str | None = None, **kw):
    _fix_choice(f"{W}{name}", options)
    T = bound()
    fmt = (lambda o: T(f"{fmt_prefix}.{o}")) if fmt_prefix else str
    kw.setdefault("on_change", _mark_custom)
    return st.selectbox(t(label_key), options, key=f"{W}{name}", format_func=fmt, help=t(f"{label_key}.help"), **kw)


def _data_section(app: AppState) -> dict:
    names = tuple(bp.DATASETS) + ("csv",)
    ds_name = _select("dataset", names, "sb.dataset", "ds", on_change=_dataset_changed)
    spec = bp.DATASETS.get(ds_name)
    out = {"dataset": ds_name}
    if ds_name in IMAGE_SETS:  # no size or noise slider (fixed images); a link or a dataset change sets the size
        out["n_samples"] = int(st.session_state.get(f"{W}n_samples", app.config.n_samples))
    elif spec is not None and not spec.fixed_size:
        out["noise"] = st.slider(t("sb.noise"), 0.0, 1.0, step=0.05, key=f"{W}noise", **EDIT, help=t("sb.noise.help"))
        out["n_samples"] = st.slider(t("sb.n_samples"), 20, MAX_GENERATED_SAMPLES, step=10, key=f"{W}n_samples",
                                     **EDIT)
    if spec is None or not spec.fixed_size:
        out["test_ratio"] = st.slider(
            t("sb.test_ratio"), 0.0, 0.5, step=0.05, key=f"{W}test_ratio", **EDIT, help=t("sb.test_ratio.help")
        )
        out["standardize"] = st.checkbox(
            t("sb.standardize"), key=f"{W}standardize", **EDIT, help=t("sb.standardize.help")
        )
    if ds_name == "csv":
        from .csv_upload import csv_controls

        csv_controls(app)
    return out


def _network_section(n_outputs: int) -> dict:
    n_hidden = st.slider(t("sb.n_hidden"), 0, MAX_HIDDEN_LAYERS, key=f"{W}n_hidden", **EDIT, help=t("sb.n_hidden.help"))
    widths = []
    cols = st.columns(3)
    for i in range(n_hidden):
        st.session_state.setdefault(f"{W}hidden_{i}", 4)
        with cols[i % 3]:
            widths.append(int(st.number_input(t("sb.width", i=i + 1), 1, MAX_WIDTH, key=f"{W}hidden_{i}", **EDIT)))
    out = {"hidden": tuple(widths)}
    out["hidden_act"] = _select("hidden_act", bp.HIDDEN_ACTIVATIONS, "sb.hidden_act", "act")
    outs = tuple(a for a in bp.ACTIVATIONS if n_outputs > 1 or a != "softmax")
    out["output_act"] = _select("output_act", outs, "sb.output_act", "act")
    out["loss"] = _select("loss", bp.losses_for(out["output_act"]), "sb.loss", "loss")
    out["init"] = _select("init", bp.config.INIT_CHOICES, "sb.init", "init")
    out["seed"] = int(st.number_input(t("sb.seed"), 0, 2**31 - 1, key=f"{W}seed", **EDIT, help=t("sb.seed.help")))
    out["train_biases"] = st.toggle(
        t("sb.train_biases"), key=f"{W}train_biases", **EDIT, help=t("sb.train_biases.help")
    )
    return out


def _with(options: tuple, name: str) -> tuple:
    """The usual choices plus the value this run has (a link may carry any valid value, and the
    slider must show it as it is, or the link would stop reproducing the run)."""
    current = st.session_state.get(f"{W}{name}")
    return tuple(sorted(set(options) | ({current} if isinstance(current, (int, float)) else set())))


def _number(label: str, name: str, options: tuple, **kw):
    return st.select_slider(label, _with(options, name), key=f"{W}{name}", **EDIT, format_func=lambda v: f"{v:g}",
                            **kw)


def _training_section() -> dict:
    T = bound()
    out = {"optimizer": _select("optimizer", tuple(bp.OPTIMIZERS), "sb.optimizer", "opt")}
    out["lr"] = _number(t("sb.lr"), "lr", LR_OPTIONS, help=t("sb.lr.help"))
    if out["optimizer"] == "momentum":
        out["beta"] = _number("β", "beta", BETA_OPTIONS, help=t("sb.beta.help"))
    if out["optimizer"] == "adam":
        out["beta1"] = _number("β₁", "beta1", BETA_OPTIONS)
        out["beta2"] = _number("β₂", "beta2", (0.9, 0.99, 0.995, 0.999, 0.9999))
    out["batch"] = st.radio(t("sb.batch"), BATCH_MODES, key=f"{W}batch", **EDIT, horizontal=True,
                            format_func=lambda o: T(f"batch.{o}"), help=t("sb.batch.help"))
    if out["batch"] == "mini":
        out["batch_size"] = _number(t("sb.batch_size"), "batch_size", (2, 4, 8, 16, 32, 64, 128, 256))
    out["reg"] = _select("reg", bp.REGULARIZATIONS, "sb.reg", "reg")
    if out["reg"] != "none":
        out["reg_rate"] = _number(t("sb.reg_rate"), "reg_rate", (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1))
    return out


def sidebar(app: AppState) -> Config:
    """Draw the sidebar; return the Config its widgets describe."""
    seed_widgets(app.config, force=app.reseed_widgets)
    app.reseed_widgets = False
    with st.sidebar:
        st.radio(t("sb.lang"), LANGS, key="lang", format_func=LANG_NAMES.get, horizontal=True)
        names = (CUSTOM, *PRESETS)
        _fix_choice(f"{W}preset", names)
        T = bound()
        st.selectbox(
            t("sb.preset"),
            names,
            key=f"{W}preset",
            on_change=_load_preset,
            format_func=lambda n: T(f"preset.{n}"),
            help=t("sb.preset.help"),
        )
        n_out = app.session.dataset.n_outputs
        values: dict = {}
        with st.expander(t("sb.data"), expanded=False):
            values |= _data_section(app)
        with st.expander(t("sb.network"), expanded=True):
            values |= _network_section(n_out)
        with st.expander(t("sb.training"), expanded=True):
            values |= _training_section()
    base = st.session_state.pop(PENDING, None) or app.config
    return base.replace(**values)


def follower_sidebar(app: AppState) -> None:
    """A following student's sidebar: the language, and what the teacher runs, read-only (a settings
    change would mean exploring on one's own; half the cost of a follower's rerun is the full sidebar)."""
    cfg = app.config
    T = bound()
    with st.sidebar:
        st.radio(t("sb.lang"), LANGS, key="lang", format_func=LANG_NAMES.get, horizontal=True)
        name = preset_of(cfg)
        sizes = "-".join(map(str, app.session.net.sizes))
        lines = [f"**{T(f'preset.{name}') if name else T('preset.custom')}**",
                 f"{t('sb.dataset')}: {T(f'ds.{cfg.dataset}')}", f"{t('sb.network')}: {sizes}",
                 f"{t('sb.hidden_act')}: {T(f'act.{cfg.hidden_act}')}",
                 f"{t('sb.output_act')}: {T(f'act.{cfg.output_act}')}",
                 f"{t('sb.loss')}: {T(f'loss.{cfg.loss}')}", f"{t('sb.optimizer')}: {T(f'opt.{cfg.optimizer}')}",
                 f"{t('sb.lr')}: {cfg.lr:g}", f"{t('sb.batch')}: {T(f'batch.{cfg.batch}')}"
                 + (f" ({cfg.batch_size})" if cfg.batch == "mini" else ""), f"{t('sb.seed')}: {cfg.seed}"]
        with st.container(border=True):
            st.caption(t("sb.teacher_runs"))
            st.markdown("  \n".join(lines))
