"""The step actions every page binds to its buttons: Next phase, Step (xk), Back, Reset, Play/Pause.

Each is one public function of the AppState, used as a button callback (callbacks run before the
script, so the whole page sees the result). Each ends in ``_done``: the one place that runs after
every action, calling the hooks in ``app.action_hooks`` (none by default; the live class will publish
the teacher's actions to the room from there).
"""

from __future__ import annotations

import streamlit as st

from backprop_core.session import Session

from .state import AppState

CLICK_FLOP_BUDGET = 4e8  # about a quarter of a second of NumPy on these machines


def capped(s: Session, k: int) -> int:
    """How many of k iterations fit in one click's budget (at least one)."""
    return int(max(1, min(k, CLICK_FLOP_BUDGET // s.flops_per_iteration())))


def next_phase(app: AppState) -> None:
    """Reveal the next phase; in quiz mode hold it back until the class has predicted."""
    app.session.next_phase()
    if st.session_state.get("quiz_on") and app.session.phase:
        app.quiz["pending"] = (app.session.iteration, app.session.phase)
    _done(app, "next_phase")


def step(app: AppState, k: int = 1) -> None:
    """Finish the open iteration or take k (within the click's budget)."""
    app.quiz.pop("pending", None)
    app.session.run(capped(app.session, k))
    _done(app, "step", k=k)


def back(app: AppState) -> None:
    """Undo the last Next phase or Step."""
    app.quiz.pop("pending", None)
    app.session.back()
    _done(app, "back")


def reset(app: AppState) -> None:
    """Back to iteration 0 of the same run; stops Play."""
    app.quiz.pop("pending", None)
    app.playing = False
    app.session.reset()
    _done(app, "reset")


def toggle_play(app: AppState) -> None:
    """Play or pause (a diverged run cannot play)."""
    app.playing = not app.playing and app.session.diverged is None
    app.quiz.pop("pending", None)
    _done(app, "play" if app.playing else "pause")


def _done(app: AppState, name: str, **details: object) -> None:
    """After every action, with the session already changed: run the hooks (e.g. publish to a room)."""
    for hook in app.action_hooks:
        hook(app, name, details)
