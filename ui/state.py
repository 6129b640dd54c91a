"""Per-browser state: one AppState in st.session_state, filled by app.py, read by every page.

Nothing here is module-level mutable state: module globals are shared by every student on the
server, st.session_state is not.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

import backprop_core as bp
from backprop_core import follow
from backprop_core.config import Notice, decode, encode, make_consistent, parse_step
from backprop_core.session import batch_size_of, settings_of

from .i18n import LANGS

KEY = "_backprop_lab"
# Replaying a shared link is capped by work, not only by count: iterations x parameters x samples.
REPLAY_OVERHEAD = 4e5  # multiply-adds worth of per-iteration bookkeeping (about 0.4 ms here)
MAX_REPLAY_WORK = 8e9  # about 8 s of NumPy on these machines, paid once per distinct link (cached)


@dataclass
class AppState:
    """What one browser session holds. ``session`` is the run; the rest is view state."""

    session: bp.Session
    notices: list[Notice] = field(default_factory=list)
    sample: int = 0
    csv: bp.Dataset | None = None
    message: str | None = None  # one-off message (e.g. after an upload), shown once then cleared
    playing: bool = False
    quiz: dict = field(default_factory=dict)
    reseed_widgets: bool = False  # set when the run was replaced (upload): widgets take its config next run
    # called as hook(app, name, details) after every step action (ui/actions.py); none by default
    action_hooks: list = field(default_factory=list)
    focus: tuple[int, int] | None = None  # the diagram's focused neuron (layer, unit), None: all
    live: object | None = None  # ui.live.Live while this browser teaches or follows a class
    projector: bool = False  # sized for a room: large numbers, the diagram across the page (in the link)

    @property
    def config(self) -> bp.Config:
        return self.session.config


def replay_cost(cfg: bp.Config, ds: bp.Dataset) -> float:
    """Work of one iteration in multiply-adds: forward, backward and update over the batch, plus the
    bookkeeping every iteration pays whatever its size."""
    sizes = (ds.n_features, *cfg.hidden, ds.n_outputs)
    weights = sum(a * b for a, b in zip(sizes, sizes[1:]))
    batch = batch_size_of(settings_of(cfg), max(1, ds.n_train))
    return 6.0 * weights * batch + REPLAY_OVERHEAD


def replay_cap(cfg: bp.Config, ds: bp.Dataset) -> int:
    """How many iterations a link may replay for this network and data (keeps the first open fast).
    At least one, never more than the budget: a floor above 1 would let a link to a huge network
    replay many times the budget."""
    return int(max(1, min(bp.config.MAX_STEP, MAX_REPLAY_WORK // replay_cost(cfg, ds))))


@st.cache_resource(max_entries=32, ttl=3600, show_spinner=False)
def _replayed(link: tuple[tuple[str, str], ...], k: int) -> bp.Session:
    """The run a link names, replayed once per server and shared: 40 students opening the teacher's
    link pay for one replay. Never handed out itself: callers take a clone."""
    cfg, _ = decode(dict(link))
    session = bp.Session(cfg)
    session.run(k)
    return session


def from_url(params: dict) -> tuple[AppState, str]:
    """A fresh AppState from the address bar: config, language and step, each validated."""
    cfg, notices = decode(params)
    lang = params.get("lang", "en")
    lang = lang[-1] if isinstance(lang, (list, tuple)) and lang else lang  # a repeated key: the last wins
    if lang not in LANGS:
        notices.append(Notice("lang", str(lang)[:40], "en or zh"))
        lang = "en"
    try:
        session = bp.Session(cfg)
    except (ValueError, KeyError) as exc:  # a combination the table could not rule out
        notices.append(Notice("config", str(exc)[:80], "a runnable configuration: defaults used"))
        session = bp.Session(bp.Config())
    k, note = parse_step(params.get("step", "0")) if "step" in params else (0, None)
    if note:
        notices.append(note)
    cap = replay_cap(session.config, session.dataset)
    if k > cap:
        notices.append(Notice("step", str(k), f"at most {cap} for this network: replayed to {cap}"))
        k = cap
    if k:
        session = _replayed(tuple(sorted(encode(session.config).items())), k).clone()
    phase = _view_int(params, "phase", 1, len(session.phases) - 1, notices)
    if phase and session.diverged is None:  # mid-walk: the next iteration shown phase by phase
        session = follow.reach(session, follow.Position(session.config, ((0, session.settings),), k, phase))
    app = AppState(session=session, notices=notices)
    sample = _view_int(params, "sample", 1, 1024, notices)
    app.sample = sample - 1 if sample else 0
    if "projector" in params:
        text = _last(params["projector"])
        app.projector = text == "1"
        if text not in ("0", "1"):
            notices.append(Notice("projector", text[:40], "1 (on) or 0 (off)"))
    focus = params.get("focus")
    if focus is not None:
        app.focus = parse_focus(focus, session.net.sizes)
        if app.focus is None:
            notices.append(Notice("focus", _last(focus)[:40], "layer-neuron, e.g. 1-2 (both counted from 1)"))
    return app, lang


def _last(raw) -> str:
    return str(raw[-1] if isinstance(raw, (list, tuple)) and raw else raw)


def _view_int(params: dict, key: str, lo: int, hi: int, notices: list) -> int:
    """A whole number lo..hi from the link, else 0 (absent) or 0 with a notice (bad)."""
    if key not in params:
        return 0
    text = _last(params[key])
    if text.isdigit() and len(text) <= 6 and lo <= int(text) <= hi:
        return int(text)
    notices.append(Notice(key, text[:40], f"a whole number from {lo} to {hi}"))
    return 0


def parse_focus(raw, sizes) -> tuple[int, int] | None:
    """``layer-neuron`` (both from 1, layer 1 the first hidden layer) -> the diagram's (layer, unit)."""
    text = _last(raw)
    parts = text.split("-")
    if len(text) > 12 or len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    layer, unit = int(parts[0]), int(parts[1]) - 1
    return (layer, unit) if 1 <= layer < len(sizes) and 0 <= unit < sizes[layer] else None


def get() -> AppState:
    """This browser session's AppState (created from the URL on first use)."""
    app = st.session_state.get(KEY)
    if app is None:
        app, lang = from_url(st.query_params.to_dict())
        st.session_state[KEY] = app
        st.session_state.setdefault("lang", lang)
    return app


def url_params(app: AppState, lang: str) -> dict[str, str]:
    """The query parameters that reproduce what this session shows."""
    params = encode(app.config)
    s = app.session
    if s.iteration:
        params["step"] = str(s.iteration)
    if s.mid_iteration:  # the phase cursor too: a link opened mid-walk shows the same phase
        params["phase"] = str(s.phase)
    if app.sample:
        params["sample"] = str(app.sample + 1)
    if app.focus is not None:
        params["focus"] = f"{app.focus[0]}-{app.focus[1] + 1}"
    if app.projector:
        params["projector"] = "1"
    if lang != "en":
        params["lang"] = lang
    live = app.live
    if live is not None and not live.teacher:  # a student's reload rejoins; the teacher's token never shows
        params["room"] = live.code
    return params


def write_url(app: AppState, lang: str) -> None:
    """Keep the address bar a shareable link (only touching it when something changed)."""
    params = url_params(app, lang)
    if params != st.query_params.to_dict():
        st.query_params.from_dict(params)


def apply(app: AppState, cfg: bp.Config) -> str:
    """Hand the sidebar's Config to the session: 'restart' | 'changed' | 'same' | 'waiting' (CSV
    chosen but none loaded yet: the current run stays)."""
    if cfg.dataset == "csv" and app.csv is None:
        return "waiting"
    ds = app.csv if cfg.dataset == "csv" else None
    cfg, notes = make_consistent(cfg, task=ds.task if ds is not None else None)
    app.notices.extend(n for n in notes if n not in app.notices)
    try:
        if ds is not None:
            return app.session.apply_config(cfg, ds if app.session.dataset is not ds else None)
        return app.session.apply_config(cfg)
    except ValueError as exc:  # e.g. a loss that does not fit: keep the current run, say why
        app.notices.append(Notice("config", str(exc)[:120], "a runnable configuration: the current run was kept"))
        return "same"


def cached(store: str, name: str, refs: tuple, compute, values: tuple = ()):
    """compute() once per identity of ``refs`` (e.g. the session's state object) and value of ``values``
    (language, options), kept in this browser's session state under ``store``: plotly figures are slow
    to build, and a rerun that changed nothing should not rebuild them."""
    cache = st.session_state.setdefault(store, {})
    hit = cache.get(name)
    if (hit is not None and len(hit[0]) == len(refs) and all(a is b for a, b in zip(hit[0], refs))
            and hit[1] == values):
        return hit[2]
    value = compute()
    cache[name] = (refs, values, value)
    return value
