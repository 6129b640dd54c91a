"""Session: phases vs whole steps, stepping back, replay, mid-run changes, mini-batches, divergence,
bounded memory, and the presets that must learn. "Equal" here means equal to the last bit."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

import backprop_core as bp
import backprop_core.checkpoints as ckpt
import backprop_core.session as session_mod
from backprop_core.presets import PRESETS
from backprop_core.session import Phase

XOR = PRESETS["xor"]
MOONS = PRESETS["moons"]


# -- comparing everything, bit for bit -----------------------------------------------------------
def _leaves(obj, path: str = ""):
    """(path, leaf) pairs of a record tree: dataclasses, Networks, tuples, arrays, scalars."""
    if isinstance(obj, bp.Network):
        yield from _leaves((obj.spec, obj.weights, obj.biases), path + ".net")
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        yield path + ".type", type(obj).__name__
        for f in dataclasses.fields(obj):
            yield from _leaves(getattr(obj, f.name), f"{path}.{f.name}")
    elif isinstance(obj, (tuple, list)):
        yield path + ".len", len(obj)
        for i, item in enumerate(obj):
            yield from _leaves(item, f"{path}[{i}]")
    else:
        yield path, obj


def assert_identical(a, b) -> None:
    la, lb = list(_leaves(a)), list(_leaves(b))
    assert [p for p, _ in la] == [p for p, _ in lb]
    for (path, x), (_, y) in zip(la, lb):
        if isinstance(x, np.ndarray):
            assert isinstance(y, np.ndarray) and x.dtype == y.dtype, path
            assert np.array_equal(x, y, equal_nan=True), path
        elif isinstance(x, float) and math.isnan(x):
            assert isinstance(y, float) and math.isnan(y), path
        else:
            assert x == y, path


def snapshot(s: bp.Session) -> tuple:
    """Everything a user can see or that shapes the future: cursor, state, shown record, history."""
    n = len(s.history)
    hist = np.array([[r[c] for c in s.history.columns] for r in s.history.as_rows()]) if n else np.zeros((0,))
    return (s.iteration, s.phase, s.mid_iteration, s.state, s.record, n, hist, s.diverged)


def _cfg(base: bp.Config, **kw) -> bp.Config:
    return base.replace(**kw)


SETUPS = {
    "xor_sgd_full": XOR,
    "moons_momentum_mini": _cfg(MOONS, optimizer="momentum", lr=0.1, batch="mini", batch_size=48),
    "moons_adam_single": _cfg(MOONS, optimizer="adam", lr=0.01, batch="single", n_samples=40),
    "blobs_adam_mini_softmax": bp.Config(dataset="blobs", n_samples=90, hidden=(5, 4), hidden_act="relu",
                                         output_act="softmax", loss="ce", optimizer="adam", lr=0.02, batch="mini",
                                         batch_size=16, reg="l2", reg_rate=0.01, init="he"),
}


# -- phases ------------------------------------------------------------------------------------------
def test_phase_order_is_forward_loss_backward_update():
    s = bp.Session(bp.Config(hidden=(3, 2)))
    L = 3
    expected = ([Phase("forward", i) for i in range(L)] + [Phase("loss")]
                + [Phase("backward", i) for i in (2, 1, 0)] + [Phase("update")])
    assert list(s.phases) == expected
    assert s.current_phase is None and not s.mid_iteration
    seen = []
    for k in range(len(expected)):
        seen.append(s.next_phase())
        assert s.current_phase == seen[-1]
        last = k == len(expected) - 1
        assert s.mid_iteration is (not last)
        assert s.iteration == (1 if last else 0)  # the update phase commits the iteration
        assert len(s.history) == (1 if last else 0)
    assert seen == expected


@pytest.mark.parametrize("name", tuple(SETUPS))
def test_walking_every_phase_equals_step(name):
    walk, step = bp.Session(SETUPS[name]), bp.Session(SETUPS[name])
    for _ in range(12):
        while True:
            walk.next_phase()
            if not walk.mid_iteration:
                break
        step.step()
        assert_identical(snapshot(walk), snapshot(step))


def test_step_mid_iteration_finishes_the_open_iteration():
    a, b = bp.Session(XOR), bp.Session(XOR)
    a.run(3)
    b.run(3)
    a.next_phase()
    a.next_phase()
    rec = a.step()
    assert rec.iteration == 4 and not a.mid_iteration
    b.step()
    assert_identical(snapshot(a), snapshot(b))


# -- stepping back -------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", tuple(SETUPS))
def test_back_iteration_restores_each_previous_iteration(name):
    s = bp.Session(SETUPS[name])
    snaps = [snapshot(s)]
    for _ in range(20):
        s.step()
        snaps.append(snapshot(s))
    for expected in reversed(snaps[:-1]):
        s.back()  # the last action was a step, so back() is back_iteration()
        assert_identical(snapshot(s), expected)
    s.back_iteration()  # at iteration 0 nothing happens
    assert_identical(snapshot(s), snaps[0])


@pytest.mark.parametrize("name", ["xor_sgd_full", "blobs_adam_mini_softmax"])
def test_back_phase_restores_each_previous_phase(name):
    s = bp.Session(SETUPS[name])
    s.run(3)
    snaps = [snapshot(s)]
    for _ in range(3 * len(s.phases) + 2):
        s.next_phase()
        snaps.append(snapshot(s))
    for expected in reversed(snaps[:-1]):
        s.back()  # the last action was a phase, so back() is back_phase()
        assert_identical(snapshot(s), expected)


def test_back_after_many_steps_replays_from_thinned_checkpoints(monkeypatch):
    # a tiny checkpoint budget: 4 recent states, at most 8 thinned ones, so most backs replay
    monkeypatch.setattr(ckpt, "MAX_RECENT", 4)
    monkeypatch.setattr(ckpt, "MAX_THINNED", 8)
    cfg = SETUPS["moons_momentum_mini"]
    s = bp.Session(cfg)
    snaps = [snapshot(s)]
    for _ in range(90):
        s.step()
        snaps.append(snapshot(s))
    c = s.checkpoints
    assert c.n_recent <= 4 and c.n_thinned <= 9 and c.stride >= 8
    for expected in reversed(snaps[-40:-1]):
        s.back_iteration()
        assert_identical(snapshot(s), expected)
    assert s.iteration == 51
    s.back_phase()  # un-commit: the update of iteration 51 becomes unrevealed
    assert s.mid_iteration and s.phase == len(s.phases) - 1 and s.iteration == 50
    np.testing.assert_array_equal(s.net.flatten(), snaps[50][3].net.flatten())
    s.next_phase()
    assert_identical(snapshot(s), snaps[51])


def test_back_beyond_the_default_ring():
    s = bp.Session(XOR)
    snaps = [snapshot(s)]
    for _ in range(300):  # more than MAX_RECENT and the thinned cap: stride 2 by now
        s.step()
        snaps.append(snapshot(s))
    assert s.checkpoints.stride > 1
    for k in (299, 250, 201, 150, 99, 33, 0):
        while s.iteration > k:
            s.back_iteration()
        assert_identical(snapshot(s), snaps[k])


def test_back_then_forward_again_is_the_same_run():
    s, ref = bp.Session(SETUPS["moons_adam_single"]), bp.Session(SETUPS["moons_adam_single"])
    s.run(30)
    for _ in range(12):
        s.back_iteration()
    s.run(12)
    ref.run(30)
    assert_identical(snapshot(s), snapshot(ref))


def test_back_over_a_settings_change_keeps_the_old_iterations():
    s = bp.Session(XOR)
    snaps = [snapshot(s)]
    for _ in range(10):
        s.step()
        snaps.append(snapshot(s))
    assert s.apply_config(XOR.replace(lr=0.5)) == "changed"
    s.run(5)
    for _ in range(6):
        s.back_iteration()
    # iterations 1..9 ran with the preset's lr and still read so; the new lr applies from iteration 10 on
    assert s.iteration == 9
    assert_identical((s.state, s.record), (snaps[9][3], snaps[9][4]))
    assert s.step().settings.lr == 0.5


# -- replay ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", tuple(SETUPS))
def test_replay_equals_stepping(name):
    s = bp.Session(SETUPS[name])
    s.run(25)
    assert_identical(snapshot(bp.Session.replay(SETUPS[name], 25)), snapshot(s))


@pytest.mark.parametrize("batch", ["full", "mini", "single"])
@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_replay_equals_stepping_for_every_batch_mode_and_optimizer(batch, optimizer):
    cfg = MOONS.replace(n_samples=40, batch=batch, batch_size=12, optimizer=optimizer, lr=0.05)
    s = bp.Session(cfg)
    s.run(17)  # mini: 32 training samples in batches of 12, 12, 8 -> the 17th starts the 6th epoch
    assert_identical(snapshot(bp.Session.replay(cfg, 17)), snapshot(s))


def test_replay_reproduces_a_run_with_changes():
    cfg = SETUPS["moons_momentum_mini"]
    s = bp.Session(cfg)
    s.run(7)
    s.apply_config(cfg.replace(lr=0.3))
    s.run(4)
    s.next_phase()
    s.apply_config(cfg.replace(lr=0.3, optimizer="adam", batch="single", hidden_act="sigmoid"))
    s.step()  # the open iteration finishes with the old settings
    s.run(9)
    s.apply_config(s.config.replace(reg="l1", reg_rate=0.01, batch="full", train_biases=False))
    s.run(3)
    assert [start for start, _ in s.segments] == [0, 7, 12, 21]
    again = bp.Session.replay(s.config, s.iteration, segments=s.segments)
    assert_identical(snapshot(again), snapshot(s))


# -- mid-run changes ---------------------------------------------------------------------------------
def test_new_learning_rate_applies_from_the_next_iteration():
    s = bp.Session(XOR)
    s.run(5)
    before = s.net
    assert s.apply_config(XOR.replace(lr=0.25)) == "changed"
    assert s.iteration == 5 and s.net is before
    rec = s.step()
    assert rec.settings.lr == 0.25 and rec.update.lr == 0.25
    for w, lb, new in zip(before.weights, rec.backward.layers, s.net.weights):
        np.testing.assert_array_equal(new, w - 0.25 * lb.dW)
    assert s.history.column("lr").tolist() == [XOR.lr] * 5 + [0.25]
    assert s.apply_config(XOR.replace(lr=0.25)) == "same"


def test_new_optimizer_starts_from_fresh_state():
    s = bp.Session(XOR)
    s.run(5)
    s.apply_config(XOR.replace(optimizer="momentum", lr=0.5, beta=0.9))
    before = s.net
    rec = s.step()
    assert s.state.opt_name == "momentum" and s.state.opt_state.t == 1
    for v, lb in zip(s.state.opt_state.slots[0][0::2], rec.backward.layers):
        np.testing.assert_array_equal(v, lb.dW)  # v = 0.9 * 0 + g
    for w, lb, new in zip(before.weights, rec.backward.layers, s.net.weights):
        np.testing.assert_array_equal(new, w - 0.5 * lb.dW)


def test_activation_change_keeps_the_weights():
    s = bp.Session(XOR)
    s.run(5)
    flat = s.net.flatten()
    assert s.apply_config(XOR.replace(hidden_act="tanh")) == "changed"
    np.testing.assert_array_equal(s.net.flatten(), flat)
    rec = s.step()
    assert rec.settings.activations == ("tanh", "sigmoid") and s.net.activations == ("tanh", "sigmoid")
    lf = rec.forward.layers[0]
    np.testing.assert_array_equal(lf.z, s.dataset.X_train @ flat[:6].reshape(2, 3) + flat[6:9])
    np.testing.assert_array_equal(lf.a, np.tanh(lf.z))


@pytest.mark.parametrize("change", [{"seed": 3}, {"hidden": (4,)}, {"init": "he"}, {"dataset": "and"}])
def test_run_changes_restart_from_iteration_zero(change):
    s = bp.Session(XOR)
    s.run(5)
    new = XOR.replace(**change)
    assert s.apply_config(new) == "restart"
    assert s.iteration == 0 and len(s.history) == 0 and s.record is None
    assert_identical(snapshot(s), snapshot(bp.Session(new)))


def test_a_change_during_an_open_iteration_waits_for_it():
    s = bp.Session(XOR)
    s.run(2)
    s.next_phase()
    s.apply_config(XOR.replace(lr=0.1))
    rec = s.step()
    assert rec.iteration == 3 and rec.settings.lr == XOR.lr
    assert s.step().settings.lr == 0.1


# -- batches -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("batch", "size"), [("mini", 32), ("mini", 50), ("single", 1)])
def test_each_epoch_visits_every_sample_once_in_a_new_order(batch, size):
    s = bp.Session(MOONS.replace(batch=batch, batch_size=size, n_samples=100 if batch == "single" else 200))
    n = s.dataset.n_train
    per_epoch = math.ceil(n / size)
    orders = []
    for epoch in range(3):
        seen = []
        for _ in range(per_epoch):
            rec = s.step()
            assert rec.epoch == epoch and rec.batch.size <= size
            np.testing.assert_array_equal(rec.Y, s.dataset.Y_train[rec.batch])
            np.testing.assert_array_equal(rec.forward.x, s.dataset.X_train[rec.batch])
            seen.extend(rec.batch.tolist())
        assert sorted(seen) == list(range(n))
        assert s.epoch == epoch + 1
        orders.append(seen)
    assert orders[0] != orders[1] and orders[1] != orders[2]


def test_full_batch_uses_all_samples_in_order():
    s = bp.Session(MOONS)
    rec = s.step()
    np.testing.assert_array_equal(rec.batch, np.arange(s.dataset.n_train))
    np.testing.assert_array_equal(rec.forward.x, s.dataset.X_train)
    assert s.epoch == 1 and s.step().epoch == 1


# -- divergence ---------------------------------------------------------------------------------------
DIVERGES = bp.Config(dataset="sine", hidden=(16,), hidden_act="relu", output_act="linear", loss="mse", lr=10.0,
                     init="he")


def test_divergence_stops_and_keeps_the_last_finite_state():
    s = bp.Session(DIVERGES)
    taken = s.run(100)
    assert 0 < taken < 100
    d = s.diverged
    assert d.iteration == taken + 1 and d.lr == 10.0
    assert "learning rate" in d.message and "(10)" in d.message and f"iteration {taken + 1}" in d.message
    assert s.iteration == taken and len(s.history) == taken
    assert np.isfinite(s.net.flatten()).all() and np.isfinite(s.history.column("loss")).all()
    ref = bp.Session.replay(DIVERGES, taken)  # the kept state is the run's last good one
    np.testing.assert_array_equal(s.net.flatten(), ref.net.flatten())
    frozen = snapshot(s)
    assert s.step() is None and s.next_phase() is None and s.run(5) == 0
    assert_identical(snapshot(s), frozen)


def test_back_and_a_smaller_learning_rate_resume_after_divergence():
    s = bp.Session(DIVERGES)
    taken = s.run(100)
    s.back_iteration()
    assert s.apply_config(DIVERGES.replace(lr=0.001)) == "changed"
    assert s.diverged is None
    assert s.run(10) == 10 and s.iteration == taken - 1 + 10
    loss = s.history.column("loss")
    assert loss[-1] < loss[taken - 1]


def test_back_after_divergence_clears_it():
    s = bp.Session(DIVERGES)
    taken = s.run(100)
    s.back_iteration()
    assert s.diverged is None and s.iteration == taken - 1
    assert s.run(100) == 1 and s.diverged.iteration == taken + 1  # same settings, same blow-up


# -- bounded memory -----------------------------------------------------------------------------------
def test_history_and_checkpoints_stay_bounded(monkeypatch):
    monkeypatch.setattr(session_mod, "MAX_HISTORY_ROWS", 100)
    s = bp.Session(XOR)
    per = s.net.spec.n_params * 8 * 1  # SGD: parameters only, no optimizer slots
    bound = 256 * len(s.history.columns) * 8 + per * (ckpt.MAX_RECENT + ckpt.MAX_THINNED + 2)
    for _ in range(12):
        s.run(100)
        assert len(s.history) <= 100
        assert s.checkpoints.n_recent <= ckpt.MAX_RECENT and s.checkpoints.n_thinned <= ckpt.MAX_THINNED + 1
        assert s.nbytes <= bound
    it = s.history.column("iteration")
    assert it[-1] == 1200 and np.all(np.diff(it) > 0) and s.history.stride >= 8
    assert s.history.column("loss")[-1] == s.record.backward.loss
    its, params = s.trajectory()
    assert its[-1] == 1200 and params.shape == (its.size, s.net.spec.n_params) and its.size <= 64 + 257


def test_checkpoints_respect_the_byte_budget_for_big_networks():
    s = bp.Session(PRESETS["digits"])  # 64-128-10: 9610 parameters, SGD: 76,880 B per checkpoint
    per = 9610 * 8
    assert s.net.spec.n_params == 9610
    cap = ckpt.CHECKPOINT_BUDGET_BYTES // 2 // per  # 26 recent and 26 thinned states fit half the budget each
    assert cap == 26
    s.run(60)
    c = s.checkpoints
    assert c.n_recent == cap and c.n_thinned <= cap
    assert c.nbytes <= ckpt.CHECKPOINT_BUDGET_BYTES
    assert s.nbytes - s.history.nbytes == c.nbytes + per  # the checkpoints and the current state
    adam = bp.Session(PRESETS["digits"].replace(optimizer="adam", lr=0.01))  # two slots: a third as many
    adam.run(60)
    assert adam.checkpoints.n_recent == ckpt.CHECKPOINT_BUDGET_BYTES // 2 // (3 * per) == 8


# -- presets that must learn ----------------------------------------------------------------------------
def test_xor_preset_learns_xor():
    s = bp.Session(PRESETS["xor"])
    X, Y = s.dataset.X_train, s.dataset.Y_train
    for _ in range(50):
        s.run(100)
        out = s.net.predict(X)
        if np.all((out > 0.5) == (Y > 0.5)) and s.net.loss_value(X, Y) < 0.05:
            break
    assert s.iteration <= 5000
    np.testing.assert_array_equal(out > 0.5, Y > 0.5)
    assert s.net.loss_value(X, Y) < 0.05


def test_digits_fast_preset_reaches_95_percent():
    s = bp.Session(PRESETS["digits_fast"])
    assert s.net.sizes == (64, 32, 10) and s.dataset.n_test >= 350
    per_epoch = math.ceil(s.dataset.n_train / 64)
    s.run(5 * per_epoch)
    acc = np.mean(s.net.predict(s.dataset.X_test).argmax(1) == s.dataset.Y_test.argmax(1))
    assert acc >= 0.95


def test_flops_per_iteration_counts_the_batch():
    s = bp.Session(dataclasses.replace(XOR, batch="mini", batch_size=2))
    p = s.net.spec.n_params  # 6 multiply-adds per parameter and batch row, plus one
    assert s.flops_per_iteration() == 6.0 * p * 2 + 1.0
    full = bp.Session(dataclasses.replace(XOR, batch="full"))
    assert full.flops_per_iteration() == 6.0 * p * full.dataset.n_train + 1.0
    assert session_mod.flops_per_iteration(full.settings, p, 10) == 6.0 * p * 10 + 1.0


# -- one path from Settings to the network's spec ------------------------------------------------
SPEC_CHANGES = [  # (config change, spec field, value the network must then have)
    ({"hidden_act": "tanh"}, "activations", ("tanh", "sigmoid")),
    ({"loss": "bce"}, "loss", "bce"),
    ({"reg": "l2", "reg_rate": 0.01}, "regularization", "l2"),
    ({"reg": "l1", "reg_rate": 0.25}, "reg_rate", 0.25),
    ({"train_biases": False}, "train_biases", False),
]


@pytest.mark.parametrize("change,field,value", SPEC_CHANGES, ids=[c[1] for c in SPEC_CHANGES])
def test_a_change_of_each_spec_field_reaches_the_network(change, field, value):
    base = XOR if field != "reg_rate" else XOR.replace(reg="l1", reg_rate=0.001)
    s = bp.Session(base)
    s.run(2)
    before = s.net
    assert getattr(before.spec, field) != value
    assert s.apply_config(base.replace(**change)) == "changed"
    rec = s.step()
    # the network the iteration used, the one it left, and the record's own view all have the new value
    assert getattr(s.net.spec, field) == value
    assert getattr(s.net_before(rec).spec, field) == value
    # ... and the numbers are the new spec's: the same parameters in a Network built by hand
    kw = {f: getattr(before.spec, f) for f in session_mod.SPEC_FIELDS} | {field: value}
    if field == "regularization":
        kw["reg_rate"] = 0.01
    ref = bp.Network(before.sizes, weights=before.weights, biases=before.biases, **kw)
    X, Y = s.dataset.X_train, s.dataset.Y_train
    assert rec.backward.loss == ref.backward(ref.forward(X), Y).loss
    bwd = ref.backward(ref.forward(X), Y)
    for w_new, w_old, lb in zip(s.net.weights, before.weights, bwd.layers):
        np.testing.assert_array_equal(w_new, w_old - XOR.lr * lb.dW)
    for b_new, b_old, lb in zip(s.net.biases, before.biases, bwd.layers):
        np.testing.assert_array_equal(b_new, b_old if not kw["train_biases"] else b_old - XOR.lr * lb.db)
    # Back over the change: the iteration before it ran with the old spec, and still does
    s.back_iteration()
    s.back_iteration()
    assert getattr(s.net_before(s.record).spec, field) == getattr(before.spec, field)


def test_settings_that_the_network_cannot_take_change_nothing():
    s = bp.Session(XOR)
    s.run(1)
    with pytest.raises(ValueError):
        s.apply_config(XOR.replace(output_act="linear", loss="bce"))  # bce needs outputs in (0, 1)
    assert s.settings == session_mod.settings_of(XOR) and len(s.segments) == 1


def test_a_run_start_builds_its_settings_once(monkeypatch):
    calls = []
    real = session_mod.settings_of
    monkeypatch.setattr(session_mod, "settings_of", lambda cfg: calls.append(cfg) or real(cfg))
    bp.Session(XOR)
    assert len(calls) == 1
