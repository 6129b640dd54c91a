"""Per-browser state: one AppState in st.session_state, filled by app.py, read by every page.

Nothing here is module-level mutable state: module globals are shared by every student on the
server, st.session_state is not.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

import backprop_core as bp
from backprop_core.config import Notice, decode, encode, make_consistent, parse_step

from .i18n import LANGS

KEY = "_backprop_lab"
# Replaying a shared link is capped by work, not only by count: iterations x parameters x samples.
MAX_REPLAY_WORK = 2e10


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

    @property
    def config(self) -> bp.Config:
        return self.session.config


def replay_cap(cfg: bp.Config, ds: bp.Dataset) -> int:
    """How many iterations a link may replay for this network and data (keeps the first open fast)."""
    sizes = (ds.n_features, *cfg.hidden, ds.n_outputs)
    per_iter = sum(a * b for a, b in zip(sizes, sizes[1:])) * max(1, ds.n_train) * 6
    return int(max(50, min(bp.config.MAX_STEP, MAX_REPLAY_WORK / 1e3 / max(per_iter, 1) * 1e3)))


def from_url(params: dict) -> tuple[AppState, str]:
    """A fresh AppState from the address bar: config, language and step, each validated."""
    cfg, notices = decode(params)
    lang = params.get("lang", "en")
    lang = lang if lang in LANGS else "en"
    if "lang" in params and params.get("lang") not in LANGS:
        notices.append(Notice("lang", str(params.get("lang"))[:40], "en or zh"))
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
    session.run(k)
    return AppState(session=session, notices=notices), lang


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
    if app.session.iteration:
        params["step"] = str(app.session.iteration)
    if lang != "en":
        params["lang"] = lang
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
