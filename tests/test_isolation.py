"""Students do not share state: two sessions with different settings, interleaved action by action,
produce exactly (bit for bit) the numbers each produces alone.

Checked at three levels: core Sessions side by side (shared lru_caches in backprop_core), two AppTest
sessions of the whole app in one process (module globals in app.py, ui/, pages/ are shared between
them exactly as between students on one server), and the loss-landscape page, whose surface comes
from an ``st.cache_data`` shared by everybody (a cached object must never be mutated).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import backprop_core as bp
from backprop_core.config import encode
from backprop_core.presets import PRESETS
from ui.i18n import translate
from ui.state import KEY

APP = str(Path(__file__).resolve().parents[1] / "app.py")


# -- fingerprints ---------------------------------------------------------------------------------
def fingerprint(s: bp.Session) -> dict:
    """Everything a student sees from a session, as bytes (NaN-safe, bit-exact)."""
    rec = s.record
    return {
        "iteration": s.iteration,
        "phase": s.phase,
        "params": s.net.flatten().tobytes(),
        "history": {c: s.history.column(c).tobytes() for c in s.history.columns},
        "record": None if rec is None else (rec.iteration, rec.batch.tobytes(), rec.forward.output.tobytes(),
                                            rec.backward.loss, tuple(lb.dW.tobytes() for lb in rec.backward.layers)),
        "settings": s.settings,
    }


Action = tuple  # ("step", k) | ("next",) | ("back",) | ("lr", value)


def apply_core(s: bp.Session, action: Action) -> None:
    kind = action[0]
    if kind == "step":
        s.run(action[1])
    elif kind == "next":
        s.next_phase()
    elif kind == "back":
        s.back()
    elif kind == "lr":
        s.apply_config(s.config.replace(lr=action[1]))
    else:
        raise ValueError(kind)


def alone(cfg: bp.Config, actions: list[Action]) -> dict:
    s = bp.Session(cfg)
    for a in actions:
        apply_core(s, a)
    return fingerprint(s)


def interleave(runs: list[tuple[object, list[Action]]], do: Callable[[object, Action], None]) -> None:
    """Action i of every run before action i + 1 of any."""
    for i in range(max(len(acts) for _, acts in runs)):
        for target, acts in runs:
            if i < len(acts):
                do(target, acts[i])


SCRIPT_A = [("step", 1), ("next",), ("next",), ("lr", 1.0), ("step", 10), ("back",), ("next",), ("step", 3)]
SCRIPT_B = [("next",), ("step", 2), ("step", 1), ("back",), ("step", 10), ("next",), ("next",), ("back",)]


# -- core sessions ----------------------------------------------------------------------------------
@pytest.mark.parametrize("cfg_a,cfg_b", [
    (PRESETS["xor"], PRESETS["spirals"]),  # SGD/sigmoid/MSE beside Adam/tanh/BCE
    (PRESETS["digits_fast"], PRESETS["digits_fast"].replace(lr=0.003)),  # mini-batches: the shared permutation cache
    (PRESETS["moons"], PRESETS["moons"]),  # the very same config twice
], ids=["xor-spirals", "digits-mini", "same-config"])
def test_core_sessions_interleaved_equal_each_alone(cfg_a, cfg_b):
    want_a, want_b = alone(cfg_a, SCRIPT_A), alone(cfg_b, SCRIPT_B)
    a, b = bp.Session(cfg_a), bp.Session(cfg_b)
    interleave([(a, SCRIPT_A), (b, SCRIPT_B)], apply_core)
    assert fingerprint(a) == want_a
    assert fingerprint(b) == want_b
    assert want_a["iteration"] > 0 and want_a["params"] != fingerprint(bp.Session(cfg_a))["params"]


def test_cached_arrays_of_the_core_are_read_only():
    """What backprop_core caches with lru_cache and hands to every session cannot be written to."""
    from backprop_core.session import _perm

    perm = _perm(0, 0, 50)
    assert not perm.flags.writeable
    with pytest.raises(ValueError):
        perm[0] = 1
    ds = bp.make_dataset("digits", n_samples=100, seed=0)
    for arr in (ds.X_train, ds.Y_train):
        assert not arr.flags.writeable


# -- two AppTest sessions of the whole app ------------------------------------------------------------
LABELS = {"step": {1: "step.step", 10: "step.step10"}, "next": "step.next", "back": "step.back"}


def fresh(cfg: bp.Config) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for k, v in encode(cfg).items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def apply_app(at: AppTest, action: Action) -> None:
    """Do an action through the page's widgets, as a student would (k Steps = the Step buttons)."""
    kind = action[0]
    if kind == "lr":
        at.select_slider(key="w_lr").set_value(action[1]).run()
    elif kind == "step":
        k, label = action[1], None
        while k:
            n = 10 if k >= 10 else 1
            label = translate(LABELS["step"][n], "en")
            next(b for b in at.button if b.label == label).click().run()
            k -= n
    else:
        label = translate(LABELS[kind], "en")
        next(b for b in at.button if b.label == label).click().run()
    assert not at.exception, [e.value for e in at.exception]


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.mark.slow
def test_two_app_sessions_interleaved_equal_each_alone():
    cfg_a, cfg_b = bp.Config(), bp.Config(lr=0.5, hidden=(4,), seed=3)
    a, b = fresh(cfg_a), fresh(cfg_b)
    interleave([(a, SCRIPT_A), (b, SCRIPT_B)], apply_app)
    got_a, got_b = a.session_state[KEY].session, b.session_state[KEY].session
    assert got_a is not got_b
    assert fingerprint(got_a) == alone(cfg_a, SCRIPT_A)
    assert fingerprint(got_b) == alone(cfg_b, SCRIPT_B)
    # and what each page shows is its own run's
    for at, s in ((a, got_a), (b, got_b)):
        shown = metrics(at)
        assert shown[translate("status.iteration", "en")] == f"{s.iteration:,}"
        assert shown[translate("status.loss", "en")] == f"{s.history.last()['loss']:.5g}"


# -- the landscape page and its shared cache -----------------------------------------------------------
def landscape(cfg: bp.Config) -> AppTest:
    at = fresh(cfg)
    at.switch_page("pages/landscape.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def landscape_figure(at: AppTest) -> dict:
    charts = at.get("plotly_chart")
    assert charts, "no chart on the landscape page"
    return json.loads(charts[0].proto.spec)


def landscape_step(at: AppTest) -> None:
    at.button(key="ls_step").click().run()
    assert not at.exception, [e.value for e in at.exception]


@pytest.mark.slow
def test_landscape_sessions_interleaved_equal_each_alone_and_cache_is_not_mutated():
    """Same network and data (so the same cached surface) but different learning rates, and a second,
    different network: each student's figure equals the one it draws alone."""
    cfgs = [bp.Config(), bp.Config(lr=0.5), bp.Config(hidden=(2,), seed=7)]
    solo = []
    for cfg in cfgs:
        at = landscape(cfg)
        figs = [landscape_figure(at)]
        for _ in range(2):
            landscape_step(at)
            figs.append(landscape_figure(at))
        solo.append(figs)
    apps = [landscape(cfg) for cfg in cfgs]
    for k in range(3):
        for i, at in enumerate(apps):
            if k:
                landscape_step(at)
            assert landscape_figure(at) == solo[i][k], f"student {i}, after {k} steps"
    # the first two share a surface but not an arrow
    assert solo[0][0]["data"][0]["z"] == solo[1][0]["data"][0]["z"]
    assert solo[0][0]["layout"]["annotations"] != solo[1][0]["layout"]["annotations"]


def test_landscape_cache_hands_out_copies():
    """Mutating what ``cached_surface`` returned does not change what the next caller gets."""
    from backprop_core.landscape import loss_surface
    from ui.landscape_view import cached_surface, spec_key

    s = bp.Session(bp.Config())
    net, X, Y = s.net, s.dataset.X_train, s.dataset.Y_train
    origin = net.flatten()
    d1, d2 = np.eye(len(origin))[0], np.eye(len(origin))[1]
    grid = (-1.0, 1.0, -1.0, 1.0, 11)
    args = (spec_key(net), origin.tobytes(), d1.tobytes(), d2.tobytes(), grid, "xor-test-digest", net, X, Y)
    first = cached_surface(*args)
    expected = np.array(loss_surface(net, X, Y, d1, d2, np.linspace(-1, 1, 11), np.linspace(-1, 1, 11),
                                     origin=origin))
    np.testing.assert_array_equal(first, expected)
    if first.flags.writeable:
        first[:] = -1.0  # a careless caller
    else:
        with pytest.raises(ValueError):
            first[:] = -1.0
    np.testing.assert_array_equal(cached_surface(*args), expected)
