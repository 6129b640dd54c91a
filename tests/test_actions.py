"""ui/actions.py: each step action changes the run as its button promises, then runs the hooks once,
after the change (the seam the live class will publish from)."""

from __future__ import annotations

import numpy as np
import pytest

import backprop_core as bp
from backprop_core.presets import PRESETS
from ui import actions
from ui.state import AppState


@pytest.fixture
def app():
    a = AppState(session=bp.Session(PRESETS["xor"]))
    seen = []
    a.action_hooks.append(lambda app, name, details: seen.append((name, details, app.session.iteration,
                                                                  app.session.phase, app.playing)))
    a.seen = seen
    return a


def test_each_action_changes_the_run_then_calls_the_hook_once(app):
    ref = bp.Session(PRESETS["xor"])
    actions.step(app, 1)
    ref.step()
    np.testing.assert_array_equal(app.session.net.flatten(), ref.net.flatten())
    actions.step(app, 10)
    ref.run(10)
    np.testing.assert_array_equal(app.session.net.flatten(), ref.net.flatten())
    actions.next_phase(app)
    actions.back(app)
    actions.toggle_play(app)
    actions.toggle_play(app)
    actions.step(app, 3)
    actions.reset(app)
    n = len(app.session.phases)
    assert app.seen == [
        ("step", {"k": 1}, 1, n, False),
        ("step", {"k": 10}, 11, n, False),
        ("next_phase", {}, 11, 1, False),  # the hook sees the session after the action
        ("back", {}, 11, n, False),
        ("play", {}, 11, n, True),
        ("pause", {}, 11, n, False),
        ("step", {"k": 3}, 14, n, False),
        ("reset", {}, 0, 0, False),
    ]


def test_actions_clear_a_pending_quiz_and_reset_stops_play(app):
    app.quiz["pending"] = (0, 1)
    actions.step(app)
    assert "pending" not in app.quiz
    app.playing = True
    app.quiz["pending"] = (1, 1)
    actions.reset(app)
    assert not app.playing and "pending" not in app.quiz and app.session.iteration == 0


def test_a_diverged_run_cannot_play():
    a = AppState(session=bp.Session(PRESETS["xor"].replace(lr=1e6, output_act="linear")))
    a.session.run(50)
    assert a.session.diverged is not None
    actions.toggle_play(a)
    assert a.playing is False


def test_no_hooks_by_default():
    a = AppState(session=bp.Session(PRESETS["xor"]))
    assert a.action_hooks == []
    actions.step(a)
    assert a.session.iteration == 1
