"""backprop_core.follow: a follower rebuilt from the teacher's published Position shows the teacher's
numbers to the last bit, after any sequence of teacher actions (steps, phases, Back, Reset, mid-run
changes, divergence), whether it follows every change or joins late; and positions from outside are
validated like links."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import backprop_core as bp
from backprop_core import follow
from backprop_core.presets import PRESETS
from tests.test_session import assert_identical, snapshot

XOR = PRESETS["xor"]
MOONS = PRESETS["moons"]


def _published(s: bp.Session) -> follow.Position:
    """What a room carries: the position through JSON text and back, validated."""
    text = json.dumps(follow.to_dict(follow.position_of(s)))
    return follow.from_dict(json.loads(text), max_iteration=10_000)


def _same(teacher: bp.Session, student: bp.Session) -> None:
    assert_identical(snapshot(teacher), snapshot(student))
    assert student.segments == teacher.segments or follow._canonical(student.segments) == follow._canonical(
        teacher.segments)


ACTIONS = st.sampled_from(["step", "step5", "phase", "phase", "back", "back", "reset", "lr", "opt", "batch"])


def _act(s: bp.Session, a: str, i: int) -> None:
    if a == "step":
        s.step()
    elif a == "step5":
        s.run(5)
    elif a == "phase":
        s.next_phase()
    elif a == "back":
        s.back()
    elif a == "reset":
        s.reset()
    elif a == "lr":
        s.apply_config(s.config.replace(lr=(0.3, 2.0, 7.0)[i % 3]))
    elif a == "opt":
        s.apply_config(s.config.replace(optimizer=("sgd", "momentum", "adam")[i % 3]))
    elif a == "batch":
        s.apply_config(s.config.replace(batch=("full", "mini")[i % 2], batch_size=3))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ACTIONS, min_size=1, max_size=25), st.sampled_from(["xor", "moons"]))
def test_follower_matches_teacher_after_every_action(actions, preset):
    teacher = bp.Session(PRESETS[preset])
    follower = follow.reach(None, _published(teacher))
    for i, a in enumerate(actions):
        _act(teacher, a, i)
        follower = follow.reach(follower, _published(teacher))
        _same(teacher, follower)
    late = follow.reach(None, _published(teacher))  # a student who joins now
    _same(teacher, late)
    # and the follower keeps going like the teacher: the next iteration is the same too
    teacher.step()
    follower.step()
    _same(teacher, follower)


def test_join_mid_walk_of_the_backward_pass_after_a_learning_rate_change():
    t = bp.Session(XOR)
    t.run(7)
    t.apply_config(XOR.replace(lr=0.5))
    t.run(3)
    for _ in range(5):
        t.next_phase()
    assert t.mid_iteration and t.current_phase.kind == "backward"
    s = follow.reach(None, _published(t))
    _same(t, s)
    # the open iteration is the 11th, computed with lr 0.5
    assert s.record.iteration == 11 and s.record.settings.lr == 0.5
    assert np.array_equal(s.record.backward.layers[0].dZ, t.record.backward.layers[0].dZ)


def test_teacher_goes_back_past_a_change_and_the_follower_rewinds_exactly():
    t = bp.Session(MOONS)
    f = follow.reach(None, _published(t))
    t.run(20)
    f = follow.reach(f, _published(t))
    t.apply_config(MOONS.replace(optimizer="adam", lr=0.03))
    t.run(10)
    f = follow.reach(f, _published(t))
    _same(t, f)
    for _ in range(15):  # back before the change: Back folds the later settings in, as on the teacher
        t.back()
    f = follow.reach(f, _published(t))
    _same(t, f)
    t.run(4)
    f = follow.reach(f, _published(t))
    _same(t, f)


def test_a_follower_on_another_run_is_replaced_not_patched():
    t = bp.Session(XOR)
    t.run(3)
    other = bp.Session(XOR.replace(seed=5))
    other.run(9)
    f = follow.reach(other, _published(t))
    _same(t, f)
    # a student who explored on the same run with another learning rate, then follows again
    mine = bp.Session(XOR)
    mine.run(2)
    mine.apply_config(XOR.replace(lr=7.0))
    mine.run(4)
    f = follow.reach(mine, _published(t))
    _same(t, f)


def test_divergence_is_shown_to_the_follower():
    cfg = XOR.replace(lr=10.0, hidden_act="relu", init="he", output_act="linear", loss="mse")
    t = bp.Session(cfg)
    t.run(200)
    assert t.diverged is not None
    f = follow.reach(None, _published(t))
    assert f.diverged == t.diverged
    _same(t, f)


def test_unshareable_runs_have_no_position():
    s = bp.Session(XOR)
    s.run(2)
    s.move_to(s.net.with_params([w * 0.5 for w in s.net.weights], s.net.biases))
    assert follow.unshareable(s) == "edited" and follow.position_of(s) is None
    ds = bp.make_dataset("xor")
    c = bp.Session(XOR.replace(dataset="csv"), ds)
    assert follow.unshareable(c) == "csv"


def test_floats_round_trip_bit_exactly():
    cfg = XOR.replace(lr=0.1 + 0.2, beta=0.9, eps=1e-8)
    s = bp.Session(cfg)
    s.step()
    s.apply_config(cfg.replace(lr=1 / 3))
    p = _published(s)
    assert p.segments[0][1].lr == 0.1 + 0.2 and p.config.lr == p.segments[-1][1].lr == 1 / 3


@pytest.mark.parametrize("bad", [
    None, [], "x", {"config": "lr=2"}, {"config": {"lr": 2.0}},
    {"config": {"lr": "nan"}, "segments": [], "iteration": 0, "phase": 0},
    {"config": {}, "segments": [], "iteration": 0, "phase": 0},
    {"config": {}, "segments": [[0, {}]], "iteration": -1, "phase": 0},
    {"config": {}, "segments": [[0, {}]], "iteration": True, "phase": 0},
    {"config": {}, "segments": [[0, {}]], "iteration": 10**9, "phase": 0},
    {"config": {}, "segments": [[0, {}]], "iteration": 0, "phase": 99},
    {"config": {}, "segments": [[0, {"seed": "3"}]], "iteration": 0, "phase": 0},  # a run field
    {"config": {}, "segments": [[0, {"lr": "1e9"}]], "iteration": 0, "phase": 0},
    {"config": {}, "segments": [[1, {}]], "iteration": 0, "phase": 0},  # must start at 0
    {"config": {}, "segments": [[0, {}], [0, {"lr": "0.5"}]], "iteration": 0, "phase": 0},
    {"config": {}, "segments": [[0, {"lr": "0.5"}]], "iteration": 0, "phase": 0},  # must end at the config's
    {"config": {}, "segments": [[0, {}]] * 201, "iteration": 0, "phase": 0},
    {"config": {}, "segments": [[0, {}]], "iteration": 0, "phase": 0, "diverged": "yes"},
])
def test_hostile_positions_are_refused_with_a_reason(bad):
    with pytest.raises(ValueError) as e:
        follow.from_dict(bad, max_iteration=1000)
    assert str(e.value)


def test_a_valid_position_decodes_to_its_values():
    d = {"config": {"lr": "0.5", "hidden": "4-2"}, "segments": [[0, {"lr": "2.0"}], [6, {"lr": "0.5"}]],
         "iteration": 9, "phase": 3, "diverged": False}
    p = follow.from_dict(d, max_iteration=1000)
    assert p.config.hidden == (4, 2) and p.iteration == 9 and p.phase == 3
    assert [(s0, st.lr) for s0, st in p.segments] == [(0, 2.0), (6, 0.5)]
