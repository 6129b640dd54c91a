"""Loss landscapes: grid surfaces against point-by-point evaluation through the public API, the
published worked example, filter normalisation, PCA planes and coordinates."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_core import LOSSES, Config, Network, Session
from backprop_core.landscape import (
    GRID_LOSSES,
    Plane,
    default_range,
    filter_normalize,
    loss_surface,
    param_directions,
    param_index,
    param_name,
    param_plane,
    pca_directions,
    project,
    random_directions,
    random_plane,
    surface_subsample,
)
from backprop_core.presets import WORKED_BIASES, WORKED_WEIGHTS

WORKED_X = np.array([[0.05, 0.10]])
WORKED_Y = np.array([[0.01, 0.99]])


def worked_net(**kw) -> Network:
    return Network([2, 2, 2], ["sigmoid", "sigmoid"], weights=WORKED_WEIGHTS, biases=WORKED_BIASES, **kw)


def direct_surface(net, X, Y, d1, d2, alphas, betas, origin=None):
    """The reference: one Network per grid point, loss through the public API."""
    theta = net.flatten() if origin is None else origin
    return np.array([[net.unflatten(theta + a * d1 + b * d2).loss_value(X, Y) for a in alphas] for b in betas])


def targets(loss: str, n: int, k: int, rng: np.random.Generator, soft: bool = False) -> np.ndarray:
    if loss == "ce":
        return np.eye(k)[rng.integers(0, k, n)]
    if loss == "bce":
        return rng.uniform(0, 1, (n, k)) if soft else rng.integers(0, 2, (n, k)).astype(float)
    return rng.normal(0, 1, (n, k))


# sizes, activations, loss, regularisation
CASES = [
    ((2, 3, 1), ("sigmoid", "sigmoid"), "mse", "none"),
    ((2, 4, 4, 1), ("tanh", "tanh", "linear"), "mse", "l2"),
    ((2, 4, 4, 1), ("tanh", "tanh", "sigmoid"), "bce", "l1"),
    ((3, 5, 3), ("relu", "softmax"), "ce", "l2"),
    ((3, 5, 3), ("relu", "softmax"), "ce", "l1"),
    ((3, 4, 3), ("tanh", "softmax"), "mse", "none"),
    ((2, 6, 2), ("sigmoid", "sigmoid"), "bce", "l2"),
    ((4, 5, 3, 2), ("leaky_relu", "leaky_relu", "linear"), "mse", "l1"),
    ((2, 3, 3, 3, 1), ("relu", "sigmoid", "tanh", "linear"), "mse", "l2"),
]


@pytest.mark.parametrize("sizes, acts, loss, reg", CASES)
def test_surface_matches_pointwise_evaluation(sizes, acts, loss, reg):
    rng = np.random.default_rng(sum(sizes))
    net = Network(sizes, acts, loss=loss, seed=3, init="uniform", regularization=reg, reg_rate=0.05)
    X = rng.normal(0, 1, (13, sizes[0]))
    Y = targets(loss, 13, sizes[-1], rng)
    d1, d2 = rng.normal(0, 0.7, (2, net.spec.n_params))
    alphas = np.array([-1.3, -0.4, 0.0, 0.25, 0.9])  # 5 columns
    betas = np.array([-0.8, 0.1, 1.7])  # 3 rows
    S = loss_surface(net, X, Y, d1, d2, alphas, betas)
    assert S.shape == (3, 5)
    np.testing.assert_allclose(S, direct_surface(net, X, Y, d1, d2, alphas, betas), rtol=1e-9, atol=0)


def test_orientation_rows_follow_beta_columns_follow_alpha():
    net = Network([2, 3, 1], ["tanh", "sigmoid"], loss="bce", seed=1)
    rng = np.random.default_rng(7)
    X, Y = rng.normal(size=(6, 2)), rng.integers(0, 2, (6, 1)).astype(float)
    d1, d2 = random_directions(net, 4)
    alphas, betas = np.linspace(-2, 1, 7), np.array([0.5, -1.5])
    S = loss_surface(net, X, Y, d1, d2, alphas, betas)
    assert S.shape == (2, 7)
    theta = net.flatten()
    for i, j in [(0, 6), (1, 0), (1, 3)]:
        ref = net.unflatten(theta + alphas[j] * d1 + betas[i] * d2).loss_value(X, Y)
        assert S[i, j] == pytest.approx(ref, rel=1e-12)
    # swapping the roles of the directions transposes the surface
    St = loss_surface(net, X, Y, d2, d1, betas, alphas)
    np.testing.assert_allclose(St, S.T, rtol=1e-12)


def test_worked_example_over_w5_w6():
    net = worked_net()
    i5, i6 = param_index(net, 1, "W", 0, 0), param_index(net, 1, "W", 1, 0)
    assert (i5, i6) == (6, 8)
    assert net.flatten()[[i5, i6]].tolist() == [0.40, 0.45]
    d1, d2 = param_directions(net, i5, i6)
    alphas, betas = np.array([-0.3, 0.0, 0.2, 0.5]), np.array([0.0, -0.25, 0.4])
    S = loss_surface(net, WORKED_X, WORKED_Y, d1, d2, alphas, betas)
    assert S[0, 1] == pytest.approx(0.298371109, abs=5e-10)  # Mazur's total error before training
    # independent reference from the published hidden outputs and o2 (w7, w8 untouched)
    h1, h2, o2 = 0.593269992, 0.596884378, 0.772928465
    for i, b in enumerate(betas):
        for j, a in enumerate(alphas):
            o1 = 1 / (1 + math.exp(-((0.40 + a) * h1 + (0.45 + b) * h2 + 0.60)))
            ref = 0.5 * (0.01 - o1) ** 2 + 0.5 * (0.99 - o2) ** 2
            assert S[i, j] == pytest.approx(ref, abs=2e-9)


def test_regularised_surface_adds_the_penalty_of_each_grid_point():
    rng = np.random.default_rng(2)
    for reg in ("l1", "l2"):
        net = worked_net(regularization=reg, reg_rate=0.1)
        d1, d2 = rng.normal(size=(2, net.spec.n_params))
        alphas, betas = np.array([-1.0, 0.5]), np.array([0.0, 2.0, -3.0])
        S = loss_surface(net, WORKED_X, WORKED_Y, d1, d2, alphas, betas)
        plain = loss_surface(net.with_spec(regularization="none"), WORKED_X, WORKED_Y, d1, d2, alphas, betas)
        theta = net.flatten()
        for i, b in enumerate(betas):
            for j, a in enumerate(alphas):
                ws = net.unflatten(theta + a * d1 + b * d2).weights
                w = np.concatenate([x.ravel() for x in ws])
                pen = 0.05 * np.sum(w * w) if reg == "l2" else 0.1 * np.sum(np.abs(w))
                assert S[i, j] - plain[i, j] == pytest.approx(pen, rel=1e-10)


def test_saturated_outputs_use_the_same_clipping_as_the_loss():
    rng = np.random.default_rng(5)
    for sizes, acts, loss in [((2, 3, 2), ("tanh", "sigmoid"), "bce"), ((2, 3, 3), ("relu", "softmax"), "ce")]:
        net = Network(sizes, acts, loss=loss, seed=0)
        X = rng.normal(size=(8, 2)) * 5
        Y = targets(loss, 8, sizes[-1], rng)
        d1, d2 = rng.normal(size=(2, net.spec.n_params))
        alphas, betas = np.array([-300.0, -40.0, 0.0, 60.0]), np.array([-200.0, 0.0, 500.0])
        S = loss_surface(net, X, Y, d1, d2, alphas, betas)
        ref = direct_surface(net, X, Y, d1, d2, alphas, betas)
        assert np.isfinite(S).all()
        assert S.max() > 20  # some points really are saturated (log of the clipped 1e-12 is -27.6)
        np.testing.assert_allclose(S, ref, rtol=1e-9)


def test_soft_bce_targets_and_explicit_origin():
    rng = np.random.default_rng(11)
    net = Network([3, 4, 2], ["tanh", "sigmoid"], loss="bce", seed=2)
    X, Y = rng.normal(size=(9, 3)), targets("bce", 9, 2, rng, soft=True)
    origin = net.flatten() + rng.normal(0, 0.3, net.spec.n_params)
    d1, d2 = random_directions(net, 0)
    alphas, betas = np.linspace(-1, 1, 4), np.linspace(-0.5, 2, 6)
    S = loss_surface(net, X, Y, d1, d2, alphas, betas, origin=origin)
    np.testing.assert_allclose(S, direct_surface(net, X, Y, d1, d2, alphas, betas, origin), rtol=1e-9)


def test_surface_is_read_only_and_handles_empty_and_large_grids():
    net = worked_net()
    d1, d2 = random_directions(net, 1)
    S = loss_surface(net, WORKED_X, WORKED_Y, d1, d2, [0.0, 1.0], [0.0])
    with pytest.raises(ValueError):
        S[0, 0] = 1.0
    assert loss_surface(net, WORKED_X, WORKED_Y, d1, d2, [], [0.0, 1.0]).shape == (2, 0)
    # more grid points than one block holds: the blocks must join up in order
    X = np.random.default_rng(0).normal(size=(300, 2))
    Y = np.random.default_rng(1).uniform(size=(300, 2))
    alphas, betas = np.linspace(-2, 2, 23), np.linspace(-1, 3, 19)
    big = loss_surface(net, X, Y, d1, d2, alphas, betas)
    np.testing.assert_allclose(big, direct_surface(net, X, Y, d1, d2, alphas, betas), rtol=1e-9)


def test_bad_shapes_are_refused():
    net = worked_net()
    d1, d2 = random_directions(net, 1)
    with pytest.raises(ValueError, match="d1"):
        loss_surface(net, WORKED_X, WORKED_Y, d1[:-1], d2, [0.0], [0.0])
    with pytest.raises(ValueError, match="X"):
        loss_surface(net, WORKED_X[:, :1], WORKED_Y, d1, d2, [0.0], [0.0])


def test_every_loss_has_a_grid_twin():
    assert set(GRID_LOSSES) == set(LOSSES)


@settings(max_examples=25, deadline=None)
@given(
    hidden=st.lists(st.integers(1, 5), min_size=0, max_size=2),
    act=st.sampled_from(["sigmoid", "tanh", "relu", "leaky_relu", "linear"]),
    out=st.sampled_from([("linear", "mse"), ("sigmoid", "bce"), ("softmax", "ce"), ("softmax", "mse")]),
    reg=st.sampled_from(["none", "l1", "l2"]),
    seed=st.integers(0, 2**16),
)
def test_surface_matches_pointwise_for_random_networks(hidden, act, out, reg, seed):
    rng = np.random.default_rng(seed)
    n_out = 3 if out[0] == "softmax" else 2
    sizes = (3, *hidden, n_out)
    net = Network(sizes, [act] * len(hidden) + [out[0]], loss=out[1], seed=seed, init="uniform",
                  regularization=reg, reg_rate=0.02)
    X, Y = rng.normal(size=(5, 3)), targets(out[1], 5, n_out, rng)
    d1, d2 = rng.normal(size=(2, net.spec.n_params))
    alphas, betas = rng.uniform(-2, 2, 3), rng.uniform(-2, 2, 4)
    S = loss_surface(net, X, Y, d1, d2, alphas, betas)
    np.testing.assert_allclose(S, direct_surface(net, X, Y, d1, d2, alphas, betas), rtol=1e-9)


# -- names of flat indices ----------------------------------------------------------------------
@pytest.mark.parametrize("sizes", [(2, 2, 2), (3, 5, 3), (2, 4, 4, 1)])
def test_param_index_and_name_roundtrip(sizes):
    net = Network(sizes, seed=4, init="uniform")
    flat = net.flatten()
    seen = set()
    for idx in range(net.spec.n_params):
        kind, layer, row, col = param_name(net, idx)
        assert param_index(net, layer, kind, row, col) == idx
        value = net.weights[layer][row, col] if kind == "W" else net.biases[layer][col]
        assert flat[idx] == value
        seen.add((kind, layer, row, col))
    assert len(seen) == net.spec.n_params


def test_param_index_of_the_worked_layout():
    net = worked_net()
    # flat order W1.ravel() (w1 w3 w2 w4 in Mazur's names), b1, W2.ravel(), b2
    assert param_index(net, 0, "W", 0, 1) == 1
    assert param_index(net, 0, "b", None, 1) == 5
    assert param_index(net, 1, "b", 0, 0) == 10
    assert param_name(net, 9) == ("W", 1, 1, 1)
    assert param_name(net, 11) == ("b", 1, None, 1)
    for bad in [(2, "W", 0, 0), (0, "W", 2, 0), (0, "W", 0, 2), (0, "b", 1, 0), (0, "x", 0, 0), (0, "W", None, 0)]:
        with pytest.raises(ValueError):
            param_index(net, *bad)
    with pytest.raises(ValueError):
        param_name(net, 12)


def test_param_directions_are_unit_vectors():
    net = worked_net()
    d1, d2 = param_directions(net, 3, 7)
    assert d1.sum() == d1[3] == 1.0 and d2.sum() == d2[7] == 1.0
    with pytest.raises(ValueError):
        param_directions(net, 3, 3)
    plane = param_plane(net, 3, 7)
    assert plane.kind == "params"
    np.testing.assert_array_equal(plane.point(0.5, -1.0) - net.flatten(), 0.5 * d1 - d2)


# -- filter normalisation ---------------------------------------------------------------------
def test_random_directions_are_filter_normalised():
    net = Network([4, 6, 5, 3], ["relu", "tanh", "softmax"], loss="ce", seed=9, init="uniform")
    d1, d2 = random_directions(net, 123)
    for d in (d1, d2):
        dn = net.unflatten(d)
        for w, dw, db in zip(net.weights, dn.weights, dn.biases):
            # neuron j's incoming weights are column j of W (n_in, n_out)
            np.testing.assert_allclose(np.linalg.norm(dw, axis=0), np.linalg.norm(w, axis=0), rtol=1e-12)
            assert np.all(db == 0)
    assert not np.allclose(d1, d2)
    np.testing.assert_array_equal(random_directions(net, 123)[0], d1)
    assert not np.allclose(random_directions(net, 124)[0], d1)
    assert not d1.flags.writeable


def test_filter_normalize_by_hand_and_zero_columns():
    w1 = np.array([[3.0, 0.0], [4.0, 0.0]])  # column norms 5 and 0
    net = Network([2, 2, 1], weights=[w1, np.array([[1.0], [2.0]])], biases=[np.ones(2), np.ones(1)])
    d = np.array([1.0, 2.0, 1.0, 2.0, 7.0, 7.0, 0.0, 6.0, 7.0])
    # W1 direction [[1, 2], [1, 2]]: column 0 has norm sqrt(2) -> scaled to 5; column 1 -> zero
    out = filter_normalize(net, d)
    s = 5 / math.sqrt(2)
    np.testing.assert_allclose(out, [s, 0, s, 0, 0, 0, 0, math.sqrt(5), 0], rtol=1e-14, atol=0)
    # a zero direction column stays zero (no division by zero)
    out0 = filter_normalize(net, np.zeros(9))
    assert np.all(out0 == 0)


# -- PCA planes -------------------------------------------------------------------------------
def planar_trajectory(m: int = 12, n: int = 30, seed: int = 0):
    rng = np.random.default_rng(seed)
    final = rng.normal(size=n)
    u, v = rng.normal(size=(2, n))  # neither orthogonal nor unit
    t = np.linspace(0, 1, m)
    a, b = 3 * (1 - t) ** 2, np.sin(4 * t) * (1 - t)
    return final + a[:, None] * u + b[:, None] * v, final


def test_pca_recovers_a_planar_trajectory():
    T, final = planar_trajectory()
    d1, d2, explained, coords = pca_directions(T)
    res = pca_directions(T)
    assert not res.fallback
    assert coords.shape == (12, 2)
    np.testing.assert_array_equal(coords[-1], [0.0, 0.0])
    np.testing.assert_allclose([d1 @ d1, d2 @ d2, d1 @ d2], [1, 1, 0], atol=1e-12)
    # every point, the first included, is rebuilt from its two coordinates
    np.testing.assert_allclose(final + coords[:, :1] * d1 + coords[:, 1:] * d2, T, atol=1e-10)
    assert np.all((explained >= 0) & (explained <= 1))
    assert explained.sum() == pytest.approx(1.0, abs=1e-12)
    assert explained[0] >= explained[1]
    assert coords[0, 0] >= 0 and coords[0, 1] >= 0  # sign convention: the start is up and right
    np.testing.assert_allclose(project(res.plane, T), coords, atol=1e-10)


def test_pca_explained_variance_of_a_random_walk():
    rng = np.random.default_rng(3)
    T = np.cumsum(rng.normal(size=(40, 25)), axis=0)
    res = pca_directions(T)
    total = np.sum((T - T[-1]) ** 2)
    # share captured = squared length of the projections over the squared distances to the end
    np.testing.assert_allclose(res.explained, np.sum(res.coords ** 2, axis=0) / total, rtol=1e-10)
    assert 0 < res.explained.sum() < 1
    assert res.plane.kind == "pca" and res.plane.explained is not None


def test_pca_of_a_real_training_run():
    s = Session(Config(dataset="xor", hidden=(3,), lr=2.0, seed=0))
    s.run(40)
    its, T = s.trajectory()
    res = pca_directions(T)
    np.testing.assert_allclose(res.origin, s.net.flatten())
    np.testing.assert_array_equal(res.coords[-1], [0.0, 0.0])
    assert res.explained.sum() <= 1 + 1e-12 and res.explained[0] > 0.5


@pytest.mark.parametrize("m", [1, 2])
def test_pca_short_trajectories_fall_back(m):
    T, _ = planar_trajectory(m=5)
    res = pca_directions(T[-m:])
    assert res.fallback
    D = np.stack([res.d1, res.d2])
    np.testing.assert_allclose(D @ D.T, np.eye(2), atol=1e-12)
    np.testing.assert_array_equal(res.coords[-1], [0.0, 0.0])
    if m == 2:  # the one real direction is the step itself
        step = T[-2] - T[-1]
        np.testing.assert_allclose(res.d1, step / np.linalg.norm(step), atol=1e-12)
        np.testing.assert_allclose(res.explained, [1.0, 0.0], atol=1e-12)
    else:
        np.testing.assert_array_equal(res.explained, [0.0, 0.0])


def test_pca_of_a_still_or_straight_trajectory_falls_back():
    still = np.tile(np.arange(6.0), (5, 1))
    res = pca_directions(still)
    assert res.fallback and np.all(res.explained == 0) and np.all(res.coords == 0)
    line = np.arange(6.0) + np.linspace(2, 0, 5)[:, None] * np.array([1.0, -1, 0, 0, 2, 0])
    res = pca_directions(line)
    assert res.fallback
    np.testing.assert_allclose(res.explained, [1, 0], atol=1e-12)
    assert abs(res.d1 @ res.d2) < 1e-12
    np.testing.assert_allclose(res.coords[:, 1], 0, atol=1e-12)


# -- coordinates and ranges ---------------------------------------------------------------------
def test_project_is_exact_on_non_orthogonal_planes_and_least_squares_off_them():
    rng = np.random.default_rng(8)
    o, d1, d2 = rng.normal(size=(3, 7))
    plane = Plane(d1, d2 + 0.8 * d1, o, "random")
    p = o + 0.3 * plane.d1 - 1.2 * plane.d2
    np.testing.assert_allclose(project(plane, p), [0.3, -1.2], atol=1e-12)
    off = p + rng.normal(size=7)
    c = project(plane, off)
    resid = off - plane.point(*c)
    np.testing.assert_allclose([resid @ plane.d1, resid @ plane.d2], [0, 0], atol=1e-12)
    assert project(plane, np.stack([p, off, o])).shape == (3, 2)


def test_default_range_covers_the_trajectory_with_margin():
    net = Network([2, 3, 1], seed=0)
    plane = random_plane(net, 0)
    coords = np.array([[2.0, -1.0], [1.0, 0.5], [0.0, 0.0]])
    (a0, a1), (b0, b1) = default_range(plane, coords)
    assert a0 < 0 and a1 > 2 and b0 < -1 and b1 > 0.5
    assert (a0, a1) == pytest.approx((-0.5, 2.5)) and (b0, b1) == pytest.approx((-1.375, 0.875))
    assert default_range(plane) == ((-1.0, 1.0), (-1.0, 1.0))
    assert default_range(plane, np.zeros((4, 2))) == ((-1.0, 1.0), (-1.0, 1.0))
    # a straight trajectory still gets a visible second axis
    (_, _), (b0, b1) = default_range(plane, np.array([[4.0, 0.0], [0.0, 0.0]]))
    assert b1 - b0 == pytest.approx(0.8 * 1.5)
    # single parameters: the range reaches the sign flip of a large weight
    w = worked_net()
    assert default_range(param_plane(w, 6, 0)) == ((-1.0, 1.0), (-1.0, 1.0))
    big = Network([1, 1], weights=[np.array([[3.0]])], biases=[np.array([0.2])])
    assert default_range(param_plane(big, 0, 1)) == ((-6.0, 6.0), (-1.0, 1.0))


# -- data ---------------------------------------------------------------------------------------
def test_surface_subsample_is_fixed_and_honest():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(1000, 3)), rng.normal(size=(1000, 2))
    Xs, Ys, sub = surface_subsample(X, Y, max_n=100, seed=5)
    assert sub and Xs.shape == (100, 3) and Ys.shape == (100, 2)
    rows = [int(np.flatnonzero((X == x).all(axis=1))[0]) for x in Xs]
    assert rows == sorted(rows) and len(set(rows)) == 100
    np.testing.assert_array_equal(Y[rows], Ys)
    Xs2, _, _ = surface_subsample(X, Y, max_n=100, seed=5)
    np.testing.assert_array_equal(Xs, Xs2)
    assert not np.array_equal(surface_subsample(X, Y, max_n=100, seed=6)[0], Xs)
    Xa, Ya, sub = surface_subsample(X[:50], Y[:50], max_n=100)
    assert not sub
    np.testing.assert_array_equal(Xa, X[:50])
    assert not Xs.flags.writeable and not Xa.flags.writeable
    with pytest.raises(ValueError):
        surface_subsample(X, Y[:10])
