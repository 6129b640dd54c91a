"""Network: backprop against central differences on random networks, the published worked example,
immutability, parameter order and initialisation."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import backprop_core as bp
from backprop_core.activations import ACTIVATIONS
from backprop_core.gradcheck import analytic_gradient, relative_error, resolution
from backprop_core.presets import PRESETS, WORKED_BIASES, WORKED_WEIGHTS

PAIRS = tuple((out, name) for name, loss in bp.LOSSES.items() for out in loss.outputs)


def _targets(loss: str, rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    if loss == "mse":
        return rng.normal(size=(n, k))
    if loss == "bce":
        return rng.integers(0, 2, (n, k)).astype(float)
    return np.eye(k)[rng.integers(0, k, n)]


def _random_params(net: bp.Network, rng: np.random.Generator) -> np.ndarray:
    """Flat parameters: W ~ N(0, 1/fan_in), b ~ N(0, 1); no weight is exactly 0 (the L1 kink) and, with
    nonzero biases, no unit sits exactly on the ReLU kink even behind a dead layer."""
    parts = []
    for n_in, n_out in net.spec.shapes:
        parts += [rng.normal(0.0, n_in**-0.5, n_in * n_out), rng.normal(0.0, 1.0, n_out)]
    return np.concatenate(parts)


def _resolvable(net: bp.Network, X: np.ndarray) -> bool:
    """False where the loss computed from a is flat or coarse in float64: BCE/CE clip a at 1e-12, and
    log(1 - a) keeps only ~1e-16 / (1 - a) of its value as a nears 1 (a kink / noise, like ReLU at 0)."""
    a = net.forward(X).output
    if net.loss == "bce":
        return a.min() > 1e-9 and a.max() < 1.0 - 1e-4
    return net.loss != "ce" or a.min() > 1e-9


@st.composite
def random_problems(draw):
    """(net, X, Y): depth 1-3 weight layers, widths 1-5, any hidden activation, any valid (output, loss),
    any regularisation, 1-6 samples; the numbers come from a NumPy generator seeded by hypothesis."""
    depth = draw(st.integers(1, 3))
    sizes = draw(st.lists(st.integers(1, 5), min_size=depth + 1, max_size=depth + 1))
    hidden = draw(st.lists(st.sampled_from(bp.HIDDEN_ACTIVATIONS), min_size=depth - 1, max_size=depth - 1))
    out, loss = draw(st.sampled_from(PAIRS))
    reg = draw(st.sampled_from(bp.REGULARIZATIONS))
    reg_rate = 0.0 if reg == "none" else draw(st.floats(0.001, 0.5))
    n = draw(st.integers(1, 6))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    net = bp.Network(sizes, [*hidden, out], loss, regularization=reg, reg_rate=reg_rate)
    net = net.unflatten(_random_params(net, rng))
    return net, rng.normal(size=(n, sizes[0])), _targets(loss, rng, n, sizes[-1])


@settings(max_examples=150, deadline=None)
@given(random_problems())
def test_gradcheck_on_random_networks(problem):
    net, X, Y = problem
    assume(_resolvable(net, X))
    assert bp.gradcheck(net, X, Y) < 1e-6


def test_gradcheck_catches_a_wrong_derivative(monkeypatch):
    rng = np.random.default_rng(0)
    net = bp.Network([3, 4, 2], ["tanh", "sigmoid"], "mse", seed=1)
    X, Y = rng.normal(size=(5, 3)), rng.uniform(size=(5, 2))
    assert bp.gradcheck(net, X, Y) < 1e-6
    monkeypatch.setitem(ACTIVATIONS, "tanh", replace(ACTIVATIONS["tanh"], derivative=lambda z, a: 1.0 - a))
    assert bp.gradcheck(net, X, Y) > 1e-2


def test_relative_error_is_relative_to_the_gradients_scale():
    # a near-zero entry with roundoff-sized disagreement does not fail; a wrong large entry does
    np.testing.assert_allclose(relative_error([1.0, 1e-12], [1.0, 2e-12]), [0.0, 1e-12 / 2])
    assert relative_error([1.0, 0.5], [1.0, 0.6]).max() == pytest.approx(0.05)
    assert relative_error([0.0, 0.0], [0.0, 0.0]).max() == 0.0


def test_gradcheck_floors_at_the_resolution_of_central_differences():
    # a saturated tanh output: the whole gradient (~2e-5) is below what differences of L resolve
    rng = np.random.default_rng(0)
    net = bp.Network([4, 4, 3, 3], ["relu", "linear", "tanh"], "mse")
    net = net.unflatten(rng.normal(size=net.spec.n_params))
    X, Y = rng.normal(size=(1, 4)), rng.normal(size=(1, 3))
    a, b = analytic_gradient(net, X, Y), bp.numeric_gradient(net, X, Y)
    loss = net.loss_value(X, Y)
    assert resolution(loss) == pytest.approx(1e7 * np.finfo(float).eps * loss / 1e-6)
    assert np.abs(a).max() < resolution(loss)
    assert relative_error(a, b).max() > 1e-6  # relative to the gradient alone, roundoff looks like a bug
    assert bp.gradcheck(net, X, Y) < 1e-6


def test_numeric_gradient_single_index_and_analytic_order():
    net = bp.Network([2, 3, 1], ["relu", "linear"], seed=4, init="uniform")
    X, Y = np.array([[0.3, -0.2], [1.0, 0.5]]), np.array([[0.1], [-0.4]])
    full = bp.numeric_gradient(net, X, Y)
    assert bp.numeric_gradient(net, X, Y, index=7) == full[7]
    bwd = net.backward(net.forward(X), Y)
    expected = np.concatenate([bwd.layers[0].dW.ravel(), bwd.layers[0].db, bwd.layers[1].dW.ravel(), bwd.layers[1].db])
    np.testing.assert_array_equal(analytic_gradient(net, X, Y), expected)
    np.testing.assert_allclose(expected, full, rtol=1e-6, atol=1e-9)


def test_penalty_by_hand_and_loss_value_matches_backward():
    w = [np.array([[1.0, -2.0]]), np.array([[3.0], [-4.0]])]
    b = [np.array([5.0, 5.0]), np.array([7.0])]  # biases are not penalised
    X, Y = np.array([[0.5]]), np.array([[0.2]])
    l2 = bp.Network([1, 2, 1], ["tanh", "linear"], regularization="l2", reg_rate=0.1, weights=w, biases=b)
    l1 = l2.with_spec(regularization="l1")
    assert l2.penalty() == pytest.approx(0.5 * 0.1 * (1 + 4 + 9 + 16))
    assert l1.penalty() == pytest.approx(0.1 * (1 + 2 + 3 + 4))
    assert l2.with_spec(regularization="none").penalty() == 0.0
    for net in (l1, l2):
        bwd = net.backward(net.forward(X), Y)
        assert bwd.loss == pytest.approx(net.loss_value(X, Y))
        assert bwd.loss == pytest.approx(bwd.data_loss + net.penalty())


# -- the published worked example (Matt Mazur, "A Step by Step Backpropagation Example") ---------------
WORKED_X, WORKED_Y = np.array([[0.05, 0.10]]), np.array([[0.01, 0.99]])
# new weights after one SGD step with lr 0.5: w1..w8 at their row-vector positions (W[i, j]: i -> j)
MAZUR_NEW = {
    (0, 0, 0): 0.149780716, (0, 1, 0): 0.19956143, (0, 0, 1): 0.24975114, (0, 1, 1): 0.29950229,  # w1 w2 w3 w4
    (1, 0, 0): 0.35891648, (1, 1, 0): 0.408666186, (1, 0, 1): 0.511301270, (1, 1, 1): 0.561370121,  # w5 w6 w7 w8
}


def _assert_mazur_forward(fwd, bwd):
    assert fwd.layers[0].z[0, 0] == pytest.approx(0.3775, abs=1e-12)  # net_h1
    assert fwd.layers[0].a[0, 0] == pytest.approx(0.593269992, abs=5e-10)  # out_h1
    assert fwd.layers[0].a[0, 1] == pytest.approx(0.596884378, abs=5e-10)  # out_h2
    assert fwd.output[0, 0] == pytest.approx(0.75136507, abs=5e-9)  # out_o1
    assert fwd.output[0, 1] == pytest.approx(0.772928465, abs=5e-10)  # out_o2
    assert bwd.loss == pytest.approx(0.298371109, abs=5e-10)  # E_total
    assert bwd.layers[1].dW[0, 0] == pytest.approx(0.082167041, abs=5e-10)  # dE/dw5


def _assert_mazur_update(net):
    for (layer, i, j), value in MAZUR_NEW.items():
        assert net.weights[layer][i, j] == pytest.approx(value, abs=5e-9), (layer, i, j)
    for b, b0 in zip(net.biases, WORKED_BIASES):
        np.testing.assert_array_equal(b, b0)


def test_worked_example_with_network_and_sgd():
    net = bp.Network([2, 2, 2], ["sigmoid", "sigmoid"], "mse", weights=WORKED_WEIGHTS, biases=WORKED_BIASES,
                     train_biases=False)
    fwd = net.forward(WORKED_X)
    bwd = net.backward(fwd, WORKED_Y)
    _assert_mazur_forward(fwd, bwd)
    sgd = bp.SGD(0.5)
    new, _ = sgd.step(net, bwd, sgd.init(net))
    _assert_mazur_update(new)
    assert np.abs(bwd.layers[0].db).min() > 0  # bias gradients exist, they just are not applied


def test_worked_example_with_session():
    s = bp.Session(PRESETS["worked"])
    np.testing.assert_array_equal(s.dataset.X_train, WORKED_X)
    np.testing.assert_array_equal(s.dataset.Y_train, WORKED_Y)
    rec = s.step()
    _assert_mazur_forward(rec.forward, rec.backward)
    _assert_mazur_update(s.net)
    s.run(20)
    for b, b0 in zip(s.net.biases, WORKED_BIASES):
        np.testing.assert_array_equal(b, b0)
    assert s.history.column("loss")[-1] < 0.298371109


# -- immutability and parameter order -------------------------------------------------------------
def _small_net() -> bp.Network:
    return bp.Network([2, 3, 1], ["tanh", "sigmoid"], seed=0)


def test_arrays_are_read_only_and_attributes_cannot_be_set():
    net = _small_net()
    for arr in net.weights + net.biases:
        assert not arr.flags.writeable
        with pytest.raises(ValueError):
            arr[0] = 1.0
    with pytest.raises(AttributeError):
        net.weights = ()
    with pytest.raises(AttributeError):
        net.spec = None
    with pytest.raises(AttributeError):
        net.anything = 1
    fwd = net.forward(np.ones((2, 2)))
    bwd = net.backward(fwd, np.zeros((2, 1)))
    arrays = [fwd.x] + [a for lf in fwd.layers for a in (lf.z, lf.a)]
    arrays += [a for lb in bwd.layers for a in (lb.dA, lb.dZ, lb.dW, lb.db)]
    assert not any(a.flags.writeable for a in arrays)


def test_forward_trace_never_shares_memory_a_caller_can_write():
    net = _small_net()
    X = np.ones((3, 2))
    fwd = net.forward(X)
    X[0, 0] = 7.0
    assert fwd.x[0, 0] == 1.0
    base = np.ones((3, 2))
    view = base[:]
    view.setflags(write=False)  # read-only, but its base is not: still copied
    fwd = net.forward(view)
    base[0, 0] = 7.0
    assert fwd.x[0, 0] == 1.0
    ds = bp.make_dataset("xor")  # a Dataset's arrays are read-only and own their memory: kept, not copied
    assert net.forward(ds.X_train).x is ds.X_train


def test_constructor_and_with_params_copy_the_callers_arrays():
    w = [np.ones((2, 3)), np.ones((3, 1))]
    b = [np.zeros(3), np.zeros(1)]
    net = bp.Network([2, 3, 1], weights=w, biases=b)
    other = _small_net().with_params(w, b)
    w[0][0, 0] = 9.0
    b[1][0] = 9.0
    assert w[0].flags.writeable and b[1].flags.writeable  # the caller's arrays stay theirs
    for n in (net, other):
        assert n.weights[0][0, 0] == 1.0 and n.biases[1][0] == 0.0


def test_with_params_rejects_wrong_shapes():
    with pytest.raises(ValueError, match="shapes"):
        _small_net().with_params([np.ones((3, 2)), np.ones((3, 1))], [np.zeros(3), np.zeros(1)])


def test_flatten_order_and_unflatten_roundtrip():
    w1, b1 = np.arange(6.0).reshape(2, 3), np.array([10.0, 11.0, 12.0])
    w2, b2 = np.array([[20.0], [21.0], [22.0]]), np.array([30.0])
    net = bp.Network([2, 3, 1], weights=[w1, w2], biases=[b1, b2])
    v = net.flatten()
    np.testing.assert_array_equal(v, [0, 1, 2, 3, 4, 5, 10, 11, 12, 20, 21, 22, 30])
    back = net.unflatten(v)
    v[0] = 99.0  # unflatten copies
    for a, b in zip(back.weights + back.biases, net.weights + net.biases):
        np.testing.assert_array_equal(a, b)
    rand = _small_net()
    np.testing.assert_array_equal(rand.unflatten(rand.flatten()).flatten(), rand.flatten())
    with pytest.raises(ValueError, match="13 parameters"):
        net.unflatten(np.zeros(12))


def test_with_spec_keeps_numbers_and_refuses_new_sizes():
    net = _small_net()
    relu = net.with_spec(activations=("relu", "sigmoid"))
    assert relu.activations == ("relu", "sigmoid")
    np.testing.assert_array_equal(relu.flatten(), net.flatten())
    with pytest.raises(ValueError, match="sizes"):
        net.with_spec(sizes=(2, 4, 1))


# -- initialisation ---------------------------------------------------------------------------------
@pytest.mark.parametrize("init", bp.INITS)
def test_init_is_deterministic_per_seed(init):
    a = bp.Network([4, 5, 3], seed=7, init=init).flatten()
    np.testing.assert_array_equal(a, bp.Network([4, 5, 3], seed=7, init=init).flatten())
    if init != "zeros":
        assert not np.array_equal(a, bp.Network([4, 5, 3], seed=8, init=init).flatten())


def test_init_statistics():
    n_in, n_out = 400, 300
    xav = bp.Network([n_in, n_out], seed=1, init="xavier")
    lim = np.sqrt(6.0 / (n_in + n_out))
    w = xav.weights[0]
    assert np.abs(w).max() <= lim and np.abs(w).max() > 0.99 * lim
    assert w.var() == pytest.approx(lim**2 / 3, rel=0.02)  # uniform(-lim, lim) has variance lim^2 / 3
    np.testing.assert_array_equal(xav.biases[0], 0.0)

    he = bp.Network([n_in, n_out], seed=1, init="he")
    assert he.weights[0].std() == pytest.approx(np.sqrt(2.0 / n_in), rel=0.02)
    assert abs(he.weights[0].mean()) < 0.02 * np.sqrt(2.0 / n_in)  # 120k draws: standard error ~0.003 std
    np.testing.assert_array_equal(he.biases[0], 0.0)

    uni = bp.Network([n_in, n_out], seed=1, init="uniform")
    for arr in (uni.weights[0], uni.biases[0]):
        assert np.abs(arr).max() <= 0.5
    assert uni.weights[0].var() == pytest.approx(1 / 12, rel=0.02)
    assert uni.biases[0].std() > 0.2

    zeros = bp.Network([n_in, n_out], init="zeros")
    assert not zeros.flatten().any()
    with pytest.raises(ValueError, match="init"):
        bp.Network([2, 2], init="orthogonal")


def test_zeros_init_keeps_hidden_units_identical():
    ds = bp.make_dataset("and")  # unbalanced targets, so the output weights move from step 1
    net = bp.Network([2, 4, 1], ["sigmoid", "sigmoid"], init="zeros")
    sgd = bp.SGD(2.0)
    state = sgd.init(net)
    for _ in range(30):
        net, state = sgd.step(net, net.backward(net.forward(ds.X_train), ds.Y_train), state)
    w1, b1, w2 = net.weights[0], net.biases[0], net.weights[1]
    assert np.abs(w2).max() > 1e-3 and np.abs(w1).max() > 1e-6  # it did train
    for j in range(1, 4):  # every hidden unit is a copy of the first: symmetry is never broken
        np.testing.assert_allclose(w1[:, j], w1[:, 0], rtol=1e-12, atol=0)
        assert b1[j] == pytest.approx(b1[0], rel=1e-12)
        assert w2[j, 0] == pytest.approx(w2[0, 0], rel=1e-12)


def test_forward_rejects_wrong_input_width_and_backward_wrong_targets():
    net = _small_net()
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        net.forward(np.ones((3, 5)))
    with pytest.raises(ValueError, match="Y must have shape"):
        net.backward(net.forward(np.ones((3, 2))), np.ones((3, 2)))


def test_flat_grad_and_weight_mask_follow_the_layout_of_flatten():
    net = bp.Network([2, 3, 1], ["tanh", "sigmoid"], seed=2, init="uniform")
    X, Y = np.array([[0.5, -1.0], [0.2, 0.3]]), np.array([[1.0], [0.0]])
    bwd = net.backward(net.forward(X), Y)
    g = bwd.flat_grad()
    assert g.shape == (net.spec.n_params,) == (13,)
    # W1 (2x3) = 6 entries, b1 = 3, W2 (3x1) = 3, b2 = 1, in that order
    np.testing.assert_array_equal(g[:6], bwd.layers[0].dW.ravel())
    np.testing.assert_array_equal(g[6:9], bwd.layers[0].db)
    np.testing.assert_array_equal(g[9:12], bwd.layers[1].dW.ravel())
    np.testing.assert_array_equal(g[12:], bwd.layers[1].db)
    np.testing.assert_allclose(g, bp.numeric_gradient(net, X, Y), rtol=1e-6, atol=1e-9)
    assert net.weight_mask().tolist() == [True] * 6 + [False] * 3 + [True] * 3 + [False]
    # the mask picks exactly the weights out of flatten
    np.testing.assert_array_equal(net.flatten()[net.weight_mask()],
                                  np.concatenate([w.ravel() for w in net.weights]))
