"""backprop_core.compare: variants from one start, bit-for-bit against Session.replay, divergence,
validation, the shared PCA plane and the surface over it."""

from __future__ import annotations

import numpy as np
import pytest

from backprop_core import PRESETS, Config, Network, Session
from backprop_core.compare import (
    VariantRun,
    base_index,
    batch_value,
    iteration_cap,
    run_variants,
    shared_plane,
    shared_surface,
    value_label,
    variant_config,
)
from backprop_core.landscape import project
from backprop_core.session import dataset_for

XOR = PRESETS["xor"]
MOONS = Config(dataset="moons", n_samples=40, noise=0.15, hidden=(4,), hidden_act="tanh", output_act="sigmoid",
               loss="bce", optimizer="sgd", lr=0.5, standardize=True, test_ratio=0.25, seed=3)
BLOW_UP = XOR.replace(hidden_act="relu", output_act="linear")  # lr 10 explodes within a few steps


def _initial_flat(cfg: Config, ds) -> np.ndarray:
    """Independent reference: a Network built from the same sizes, seed and init."""
    return Network((ds.n_features, *cfg.hidden, ds.n_outputs), seed=cfg.seed, init=cfg.init).flatten()


# -- same start, same bits -----------------------------------------------------------------------
@pytest.mark.parametrize(("base", "setting", "values"), [
    (XOR, "lr", [0.1, 2.0, 10.0]),
    (XOR, "optimizer", ["sgd", "momentum", "adam"]),
    (XOR, "hidden_act", ["sigmoid", "tanh", "relu", "leaky_relu"]),
    (MOONS, "batch", ["full", "single", 8]),
])
def test_variants_share_the_initial_parameters(base, setting, values):
    ds = dataset_for(base)
    runs = run_variants(base, setting, values, 3, ds)
    start = _initial_flat(base, ds)
    assert len(runs) == len(values)
    for r in runs:
        assert r.path_iterations[0] == 0
        np.testing.assert_array_equal(r.trajectory[0], start)
    # ...and they do differ afterwards (the setting matters)
    ends = [r.trajectory[-1] for r in runs]
    assert all(not np.array_equal(ends[0], e) for e in ends[1:])


@pytest.mark.parametrize(("base", "setting", "values", "k"), [
    (XOR, "optimizer", ["sgd", "momentum", "adam"], 60),
    (XOR, "hidden_act", ["tanh", "relu"], 40),
    (MOONS, "batch", ["full", "single", ("mini", 8)], 37),  # 37: stops mid-epoch for mini and single
    (MOONS.replace(reg="l2", reg_rate=0.01), "lr", [0.05, 1.0], 25),
])
def test_each_variant_equals_an_independent_replay(base, setting, values, k):
    ds = dataset_for(base)
    runs = run_variants(base, setting, values, k, ds)
    for r in runs:
        ref = Session.replay(r.config, k, ds)
        assert r.diverged is None and ref.diverged is None
        np.testing.assert_array_equal(r.trajectory[-1], ref.net.flatten())  # bit for bit
        np.testing.assert_array_equal(r.net.flatten(), ref.net.flatten())
        np.testing.assert_array_equal(r.iterations, np.arange(1, k + 1))
        np.testing.assert_array_equal(r.losses, ref.history.column("loss"))
        # whole-set losses where both evaluated (iteration 1 always), before that iteration's update
        h_it, h_test = ref.history.column("iteration"), ref.history.column("test_loss")
        h_train = ref.history.column("train_loss")
        common = [i for i, it in enumerate(r.eval_iterations) if np.isfinite(h_test[int(it) - 1])]
        assert 1.0 in r.eval_iterations[common]
        for i in common:
            row = int(r.eval_iterations[i]) - 1
            assert h_it[row] == r.eval_iterations[i]
            assert r.test_losses[i] == pytest.approx(h_test[row], rel=1e-12)
            if np.isfinite(h_train[row]):
                assert r.train_losses[i] == pytest.approx(h_train[row], rel=1e-12)


def test_a_path_point_matches_the_replay_at_its_iteration():
    runs = run_variants(XOR, "optimizer", ["momentum", "adam"], 50, dataset_for(XOR))
    for r in runs:
        j = len(r.path_iterations) // 2
        k = int(r.path_iterations[j])
        np.testing.assert_array_equal(r.trajectory[j], Session.replay(r.config, k).net.flatten())


def test_variant_configs_differ_in_one_setting_only():
    runs = run_variants(MOONS, "batch", ["full", 8, "single"], 2)
    assert [r.config for r in runs] == [MOONS.replace(batch="full"), MOONS.replace(batch="mini", batch_size=8),
                                        MOONS.replace(batch="single")]
    assert [r.label for r in runs] == ["full batch", "batch 8", "one sample"]
    assert [r.value for r in runs] == ["full", 8, "single"]


# -- divergence ----------------------------------------------------------------------------------
def test_a_diverging_variant_is_reported_not_raised():
    ds = dataset_for(BLOW_UP)
    runs = run_variants(BLOW_UP, "lr", [0.1, 2.0, 10.0], 300, ds)
    big = runs[2]
    ref = Session.replay(BLOW_UP.replace(lr=10.0), 300, ds)
    assert ref.diverged is not None  # the independent session stops there too
    assert big.diverged is not None
    assert (big.diverged.iteration, big.diverged.code) == (ref.diverged.iteration, ref.diverged.code)
    assert big.done == ref.iteration == big.diverged.iteration - 1
    np.testing.assert_array_equal(big.trajectory[-1], ref.net.flatten())  # the last good parameters
    assert big.path_iterations[-1] == big.done
    assert np.isfinite(big.losses).all() and np.isfinite(big.trajectory).all()
    assert (big.eval_iterations <= big.done).all()
    assert runs[0].diverged is None and runs[0].done == 300


# -- validation ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("setting", "values", "iterations", "match"), [
    ("loss", ["mse", "bce"], 10, "setting to vary must be one of"),
    ("lr", [0.1], 10, "Compare 2 to 4 values; got 1"),
    ("lr", [0.1, 0.2, 0.3, 0.5, 1.0], 10, "Compare 2 to 4 values; got 5"),
    ("lr", [0.1, 0.1], 10, "appears twice"),
    ("lr", [0.1, 0.0], 10, "learning rate must be"),
    ("lr", [0.1, 11.0], 10, "learning rate must be"),
    ("lr", [0.1, float("nan")], 10, "learning rate must be"),
    ("lr", [0.1, "fast"], 10, "learning rate must be"),
    ("lr", [0.1, True], 10, "learning rate must be"),
    ("optimizer", ["sgd", "rmsprop"], 10, "optimizer must be one of"),
    ("hidden_act", ["tanh", "softmax"], 10, "hidden_act must be one of"),
    ("batch", ["full", 0], 10, "batch value must be"),
    ("batch", ["full", ("mini", None)], 10, "batch value must be"),
    ("batch", ["full", ("half", 3)], 10, "batch pair must be"),
    ("batch", [("full", None), "full"], 10, "appears twice"),
    ("lr", [0.1, 1.0], 0, "iterations must be a whole number"),
    ("lr", [0.1, 1.0], 10_000, "iterations must be a whole number"),
])
def test_invalid_requests_are_refused_plainly(setting, values, iterations, match):
    with pytest.raises(ValueError, match=match):
        run_variants(XOR, setting, values, iterations)


def test_no_hidden_layer_no_activation_to_vary():
    with pytest.raises(ValueError, match="no hidden layer"):
        run_variants(XOR.replace(hidden=()), "hidden_act", ["tanh", "relu"], 5)


def test_csv_needs_its_dataset():
    with pytest.raises(ValueError, match="dataset for CSV"):
        run_variants(XOR.replace(dataset="csv"), "lr", [0.1, 1.0], 5)


def test_values_are_canonical():
    assert batch_value(("mini", 32)) == 32 and batch_value(np.int64(4)) == 4
    assert batch_value(("full", None)) == "full" and batch_value("single") == "single"
    assert variant_config(XOR, "batch", 16) == XOR.replace(batch="mini", batch_size=16)
    assert variant_config(XOR, "batch", "full") == XOR  # the base's batch size is kept
    assert value_label("lr", 0.001) == "lr 0.001" and value_label("optimizer", "adam") == "adam"


def test_base_index_finds_the_sidebar_run():
    runs = run_variants(XOR, "hidden_act", ["relu", "sigmoid"], 2)
    assert base_index(runs, XOR) == 1
    assert base_index(runs, XOR.replace(lr=0.3)) == 0


def test_iteration_cap_by_hand():
    # xor 2-3-1: 13 parameters, 4 samples full batch: 6 * 13 * 4 + 1e6 = 1000312 per iteration and variant
    ds = dataset_for(XOR)
    assert iteration_cap(XOR, "lr", [0.1, 1.0, 2.0], ds, 1e8) == int(1e8 // (3 * 1000312)) == 33
    # a mini-batch of 2 costs 6 * 13 * 2 + 1e6 = 1000156
    assert iteration_cap(XOR, "batch", ["full", 2], ds, 1e8) == int(1e8 // (1000312 + 1000156)) == 49
    assert iteration_cap(XOR, "lr", [0.1, 1.0], ds, 1.0) == 1


def test_progress_rises_to_one():
    seen: list[float] = []
    run_variants(XOR, "lr", [0.5, 1.0], 100, progress=seen.append)
    assert seen[-1] == 1.0 and seen == sorted(seen) and 0 < seen[0] < 0.5 and len(seen) > 10


# -- the shared plane ------------------------------------------------------------------------------
def _fake_run(traj: np.ndarray, diverged=None) -> VariantRun:
    """A VariantRun holding only a trajectory (what shared_plane reads)."""
    m = len(traj)
    net = Network((2, 1), seed=0)
    f = np.zeros(0)
    return VariantRun("x", "lr", 1.0, XOR, np.arange(1, m), np.zeros(m - 1), f, f, f, np.arange(m), traj, net, diverged)


def _planar_runs(rng, n=13):
    start = rng.standard_normal(n)
    q, _ = np.linalg.qr(rng.standard_normal((n, 3)))
    u, v, w = q.T
    t = np.linspace(0, 1, 20)[:, None]
    paths = [start + t * (3 * u + 1 * v), start + t * (-1 * u + 2 * v) + t ** 2 * u, start + np.sin(3 * t) * v]
    return start, u, v, w, paths


def test_plane_reconstructs_paths_that_lie_in_a_plane():
    start, u, v, _, paths = _planar_runs(np.random.default_rng(7))
    plane, coords = shared_plane([_fake_run(p) for p in paths])
    np.testing.assert_array_equal(plane.origin, start)
    assert plane.kind == "pca" and not plane.fallback
    assert plane.explained.sum() == pytest.approx(1.0, abs=1e-12)  # nothing sticks out of the plane
    np.testing.assert_allclose([plane.d1 @ plane.d1, plane.d2 @ plane.d2, plane.d1 @ plane.d2], [1, 1, 0], atol=1e-12)
    for p, c in zip(paths, coords):
        np.testing.assert_array_equal(c[0], [0.0, 0.0])
        rebuilt = plane.origin + c[:, :1] * plane.d1 + c[:, 1:] * plane.d2
        np.testing.assert_allclose(rebuilt, p, atol=1e-10)
    assert (coords[0][-1] >= 0).all()  # sign convention: the first run ends at non-negative coordinates


def test_a_diverged_run_does_not_steer_the_plane():
    start, u, v, w, paths = _planar_runs(np.random.default_rng(8))
    wild = start + np.linspace(0, 1, 5)[:, None] * (1e6 * w + 2 * u)
    runs = [_fake_run(p) for p in paths] + [_fake_run(wild, diverged=object())]
    plane, coords = shared_plane(runs)
    assert plane.explained.sum() == pytest.approx(1.0, abs=1e-12)
    # the wild run is drawn as its shadow on the plane of the others: its 2u part only
    np.testing.assert_allclose(plane.origin + coords[3][-1] @ np.stack([plane.d1, plane.d2]), start + 2 * u, atol=1e-6)


def test_runs_must_share_a_start():
    a = np.zeros((3, 4))
    b = np.ones((3, 4))
    with pytest.raises(ValueError, match="same parameters"):
        shared_plane([_fake_run(a), _fake_run(b)])


def test_real_runs_plane_identities():
    ds = dataset_for(XOR)
    runs = run_variants(XOR, "optimizer", ["sgd", "momentum", "adam"], 120, ds)
    plane, coords = shared_plane(runs)
    for r, c in zip(runs, coords):
        np.testing.assert_array_equal(c[0], [0.0, 0.0])
        np.testing.assert_allclose(c, project(plane, r.trajectory))
    # explained share = 1 - (squared distance off the plane) / (squared distance from the start), all rows
    P = np.concatenate([r.trajectory for r in runs]) - plane.origin
    inplane = P @ np.stack([plane.d1, plane.d2]).T
    off = np.sum(P ** 2) - np.sum(inplane ** 2)
    assert plane.explained.sum() == pytest.approx(1 - off / np.sum(P ** 2), rel=1e-9)


def test_surface_is_the_base_runs_loss_on_the_plane():
    ds = dataset_for(XOR)
    runs = run_variants(XOR, "hidden_act", ["relu", "tanh"], 80, ds)
    plane, coords = shared_plane(runs)
    surf = shared_surface(runs, plane, coords, ds, base=1, resolution=9)
    assert surf.S.shape == (9, 9) and surf.base == 1 and not surf.subsampled
    tanh_net = Network((2, 3, 1), activations=("tanh", "sigmoid"), loss="mse", seed=0)
    relu_net = tanh_net.with_spec(activations=("relu", "sigmoid"))
    for i, j in [(0, 0), (4, 6), (8, 2)]:
        theta = plane.point(surf.alphas[j], surf.betas[i])
        expected = tanh_net.unflatten(theta).loss_value(ds.X_train, ds.Y_train)
        assert surf.S[i, j] == pytest.approx(expected, rel=1e-10)
        assert surf.S[i, j] != pytest.approx(relu_net.unflatten(theta).loss_value(ds.X_train, ds.Y_train), rel=1e-6)
    for c in coords:  # the grid frames every (non-diverged) path
        assert surf.alphas[0] <= c[:, 0].min() and c[:, 0].max() <= surf.alphas[-1]
        assert surf.betas[0] <= c[:, 1].min() and c[:, 1].max() <= surf.betas[-1]
