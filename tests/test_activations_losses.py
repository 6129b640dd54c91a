"""Every activation's derivative and every loss's gradient against central differences, plus the
saturation and pairing rules (row-vector notation of backprop_core: a, z, dA, dZ are (n, k))."""

from __future__ import annotations

import numpy as np
import pytest

import backprop_core as bp
from backprop_core.activations import ACTIVATIONS, LEAKY_SLOPE
from backprop_core.losses import EPS, LOSSES

H = 1e-6
ELEMENTWISE = ("sigmoid", "tanh", "relu", "leaky_relu", "linear")


def _z(seed: int = 0, shape: tuple[int, int] = (6, 5)) -> np.ndarray:
    """Random pre-activations kept away from the kink at 0 (relu / leaky_relu)."""
    z = np.random.default_rng(seed).normal(0.0, 2.0, shape)
    z[np.abs(z) < 1e-2] += 0.5
    return z


def _central(f, x: np.ndarray, h: float = H) -> np.ndarray:
    """Elementwise central difference of an elementwise f at x."""
    return (f(x + h) - f(x - h)) / (2 * h)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_matches_central_differences(name):
    act = ACTIVATIONS[name]
    z = _z()
    a = act.f(z)
    np.testing.assert_allclose(act.derivative(z, a), _central(act.f, z), rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_backward_is_dA_times_derivative(name):
    act = ACTIVATIONS[name]
    z = _z(1)
    dA = np.random.default_rng(2).normal(size=z.shape)
    expected = dA * _central(act.f, z)
    np.testing.assert_allclose(act.backward(z, act.f(z), dA), expected, rtol=1e-7, atol=1e-9)


def test_activation_values_by_hand():
    z = np.array([[-2.0, 0.0, 3.0]])
    np.testing.assert_allclose(ACTIVATIONS["sigmoid"].f(z), [[1 / (1 + np.exp(2.0)), 0.5, 1 / (1 + np.exp(-3.0))]])
    np.testing.assert_allclose(ACTIVATIONS["tanh"].f(z), [[np.tanh(-2.0), 0.0, np.tanh(3.0)]])
    np.testing.assert_array_equal(ACTIVATIONS["relu"].f(z), [[0.0, 0.0, 3.0]])
    np.testing.assert_allclose(ACTIVATIONS["leaky_relu"].f(z), [[-0.02, 0.0, 3.0]])
    np.testing.assert_array_equal(ACTIVATIONS["linear"].f(z), z)


def test_relu_derivative_at_zero_is_zero_and_leaky_slope_is_001():
    z = np.array([[0.0, -1.0, 2.0]])
    relu, leaky = ACTIVATIONS["relu"], ACTIVATIONS["leaky_relu"]
    np.testing.assert_array_equal(relu.derivative(z, relu.f(z)), [[0.0, 0.0, 1.0]])
    assert LEAKY_SLOPE == 0.01
    np.testing.assert_array_equal(leaky.derivative(z, leaky.f(z)), [[0.01, 0.01, 1.0]])


def test_sigmoid_is_finite_and_exact_at_extremes():
    z = np.array([[-1000.0, -800.0, 800.0, 1000.0]])
    a = ACTIVATIONS["sigmoid"].f(z)
    np.testing.assert_array_equal(a, [[0.0, 0.0, 1.0, 1.0]])


def test_linear_returns_a_copy():
    z = np.ones((2, 2))
    a = ACTIVATIONS["linear"].f(z)
    a[0, 0] = 5.0
    assert z[0, 0] == 1.0


def _numeric_jacobian(f, z_row: np.ndarray, h: float = H) -> np.ndarray:
    """J[i, j] = d f_i / d z_j for one sample (k,), by central differences."""
    k = z_row.size
    jac = np.empty((k, k))
    for j in range(k):
        e = np.zeros(k)
        e[j] = h
        jac[:, j] = (f((z_row + e)[None, :])[0] - f((z_row - e)[None, :])[0]) / (2 * h)
    return jac


def test_softmax_rows_sum_to_one_and_survive_large_logits():
    sm = ACTIVATIONS["softmax"]
    z = np.array([[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0]])
    a = sm.f(z)
    np.testing.assert_allclose(a.sum(axis=1), 1.0)
    np.testing.assert_array_equal(a[0], [1.0, 0.0, 0.0])
    e = np.exp([1.0, 2.0, 3.0])
    np.testing.assert_allclose(a[1], e / e.sum())


def test_softmax_backward_is_jacobian_vector_product():
    sm = ACTIVATIONS["softmax"]
    rng = np.random.default_rng(3)
    z = rng.normal(size=(4, 5))
    dA = rng.normal(size=(4, 5))
    a = sm.f(z)
    dZ = sm.backward(z, a, dA)
    for i in range(z.shape[0]):
        jac = _numeric_jacobian(sm.f, z[i])
        np.testing.assert_allclose(dZ[i], jac.T @ dA[i], rtol=1e-6, atol=1e-9)
    # the elementwise "derivative" is only the Jacobian's diagonal, shown for teaching
    np.testing.assert_allclose(sm.derivative(z[:1], a[:1])[0], np.diag(_numeric_jacobian(sm.f, z[0])), atol=1e-8)


# -- losses ----------------------------------------------------------------------------------------
def _loss_inputs(name: str, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n, k = 5, 3
    if name == "mse":
        return rng.normal(size=(n, k)), rng.normal(size=(n, k))
    if name == "bce":
        return rng.uniform(0.05, 0.95, (n, k)), rng.uniform(0.0, 1.0, (n, k))
    a = rng.uniform(0.05, 1.0, (n, k))
    a /= a.sum(axis=1, keepdims=True)
    return a, np.eye(k)[rng.integers(0, k, n)]


@pytest.mark.parametrize("name", tuple(LOSSES))
def test_loss_gradient_matches_central_differences(name):
    loss = LOSSES[name]
    a, y = _loss_inputs(name)
    num = np.empty_like(a)
    for idx in np.ndindex(a.shape):
        ap, am = a.copy(), a.copy()
        ap[idx] += H
        am[idx] -= H
        num[idx] = (loss.value(ap, y) - loss.value(am, y)) / (2 * H)
    np.testing.assert_allclose(loss.grad(a, y), num, rtol=1e-6, atol=1e-9)


def test_loss_values_by_hand():
    a, y = np.array([[1.0, 2.0], [0.0, 0.0]]), np.array([[0.0, 0.0], [0.0, 1.0]])
    assert LOSSES["mse"].value(a, y) == pytest.approx((0.5 * (1 + 4) + 0.5 * 1) / 2)
    p, t = np.array([[0.8], [0.3]]), np.array([[1.0], [0.0]])
    assert LOSSES["bce"].value(p, t) == pytest.approx(-(np.log(0.8) + np.log(0.7)) / 2)
    s, oh = np.array([[0.7, 0.2, 0.1]]), np.array([[1.0, 0.0, 0.0]])
    assert LOSSES["ce"].value(s, oh) == pytest.approx(-np.log(0.7))


@pytest.mark.parametrize(
    ("name", "a", "y", "wrong"),
    [
        ("bce", [[0.0], [1.0], [0.0], [1.0]], [[0.0], [1.0], [1.0], [0.0]], 2),
        ("ce", [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], [[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]], 1),
    ],
)
def test_loss_is_finite_at_exact_saturation(name, a, y, wrong):
    loss = LOSSES[name]
    a, y = np.array(a), np.array(y)
    with np.errstate(all="raise"):  # no divide-by-zero or invalid warnings either
        value, grad = loss.value(a, y), loss.grad(a, y)
    # each confidently wrong sample costs -log(EPS) (the floor of the log's argument), the others ~0
    assert value == pytest.approx(-np.log(EPS) * wrong / a.shape[0], rel=1e-6)
    assert np.isfinite(grad).all()


def test_bce_is_about_zero_for_exact_correct_predictions():
    assert LOSSES["bce"].value(np.array([[0.0], [1.0]]), np.array([[0.0], [1.0]])) == pytest.approx(0.0, abs=2 * EPS)


@pytest.mark.parametrize(("out_act", "loss", "k"), [("sigmoid", "bce", 2), ("softmax", "ce", 3)])
def test_fused_output_gradient_is_exactly_a_minus_y_over_n_at_saturation(out_act, loss, k):
    # weights large enough that the output is exactly 0 or 1 in float64
    net = bp.Network([2, k], [out_act], loss, weights=[np.array([[900.0, -900.0, 0.0][:k], [0.0, 0.0, 0.0][:k]])],
                     biases=[np.zeros(k)])
    X = np.array([[1.0, 0.0], [-1.0, 0.0], [0.5, 0.3]])
    Y = np.zeros((3, k))
    Y[[0, 1, 2], [1, 0, k - 1]] = 1.0
    fwd = net.forward(X)
    assert set(np.unique(fwd.output[:2])) <= {0.0, 1.0}
    bwd = net.backward(fwd, Y)
    np.testing.assert_array_equal(bwd.layers[-1].dZ, (fwd.output - Y) / 3)
    assert np.isfinite(bwd.loss) and bwd.loss > -np.log(EPS) * 0.99  # confidently wrong, yet finite


@pytest.mark.parametrize(
    ("out_act", "loss"), [("sigmoid", "ce"), ("softmax", "bce"), ("tanh", "bce"), ("linear", "ce"), ("relu", "bce")]
)
def test_mismatched_output_and_loss_is_rejected(out_act, loss):
    with pytest.raises(ValueError, match=rf"(?s)Loss '{loss}'.*not '{out_act}'"):
        bp.Network([2, 3, 2], ["tanh", out_act], loss)


def test_softmax_only_as_output_and_unknown_names_rejected():
    with pytest.raises(ValueError, match="output layer"):
        bp.Network([2, 3, 2], ["softmax", "softmax"], "ce")
    with pytest.raises(ValueError, match="Unknown activation"):
        bp.Network([2, 2], ["swish"])
    with pytest.raises(ValueError, match="Unknown loss"):
        bp.Network([2, 2], ["sigmoid"], "hinge")


def test_losses_for_each_output():
    assert bp.losses_for("sigmoid") == ("mse", "bce")
    assert bp.losses_for("softmax") == ("mse", "ce")
    assert bp.losses_for("tanh") == ("mse",)
    assert "softmax" not in bp.HIDDEN_ACTIVATIONS
