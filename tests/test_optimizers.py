"""Optimizers against two steps worked by hand (and PyTorch's update rules in plain floats) on the
smallest network there is: a = w*x + b, L = (a - y)^2 / 2, so dL/dw = (a - y) x and dL/db = a - y."""

from __future__ import annotations

import math

import numpy as np
import pytest

import backprop_core as bp

X, Y = np.array([[2.0]]), np.array([[1.0]])
W0, B0 = 0.5, 0.1


def _tiny(train_biases: bool = True) -> bp.Network:
    return bp.Network([1, 1], ["linear"], "mse", weights=[np.array([[W0]])], biases=[np.array([B0])],
                      train_biases=train_biases)


def _two_steps(opt) -> list[tuple[float, float]]:
    """(w, b) after each of two steps of ``opt`` on the tiny problem."""
    net, state = _tiny(), opt.init(_tiny())
    out = []
    for _ in range(2):
        net, state = opt.step(net, net.backward(net.forward(X), Y), state)
        out.append((float(net.weights[0][0, 0]), float(net.biases[0][0])))
    assert state.t == 2
    return out


def _grad(w: float, b: float) -> tuple[float, float]:
    err = w * 2.0 + b - 1.0
    return err * 2.0, err


def test_sgd_two_steps_by_hand():
    # step 1: a = 1.1, err 0.1: gw = 0.2, gb = 0.1 -> w = 0.5 - 0.1*0.2 = 0.48, b = 0.1 - 0.1*0.1 = 0.09
    # step 2: a = 0.96 + 0.09 = 1.05, err 0.05: gw = 0.1, gb = 0.05 -> w = 0.47, b = 0.085
    (w1, b1), (w2, b2) = _two_steps(bp.SGD(0.1))
    assert (w1, b1) == (pytest.approx(0.48, abs=1e-15), pytest.approx(0.09, abs=1e-15))
    assert (w2, b2) == (pytest.approx(0.47, abs=1e-15), pytest.approx(0.085, abs=1e-15))


def test_momentum_two_steps_by_hand():
    # step 1: v = g = (0.2, 0.1): same as SGD, w = 0.48, b = 0.09
    # step 2: g = (0.1, 0.05), v = 0.9*(0.2, 0.1) + g = (0.28, 0.14) -> w = 0.48 - 0.028, b = 0.09 - 0.014
    (w1, b1), (w2, b2) = _two_steps(bp.Momentum(0.1, 0.9))
    assert (w1, b1) == (pytest.approx(0.48, abs=1e-15), pytest.approx(0.09, abs=1e-15))
    assert (w2, b2) == (pytest.approx(0.452, abs=1e-15), pytest.approx(0.076, abs=1e-15))


def _torch_adam(lr: float, beta1: float, beta2: float, eps: float, steps: int) -> list[tuple[float, float]]:
    """torch.optim.Adam's single-tensor update, written out with plain floats."""
    params, m, v, out = [W0, B0], [0.0, 0.0], [0.0, 0.0], []
    for t in range(1, steps + 1):
        grads = _grad(*params)
        for i, g in enumerate(grads):
            m[i] = beta1 * m[i] + (1 - beta1) * g
            v[i] = beta2 * v[i] + (1 - beta2) * g * g
            step_size = lr / (1 - beta1**t)
            denom = math.sqrt(v[i]) / math.sqrt(1 - beta2**t) + eps
            params[i] -= step_size * m[i] / denom
        out.append(tuple(params))
    return out


def test_adam_two_steps_by_hand_and_like_pytorch():
    steps = _two_steps(bp.Adam(0.1, 0.9, 0.999, 1e-8))
    # step 1 by hand: m_hat = g, v_hat = g^2, so each parameter moves by lr * |g| / (|g| + eps):
    # w = 0.5 - 0.1 * 0.2 / (0.2 + 1e-8), b = 0.1 - 0.1 * 0.1 / (0.1 + 1e-8)
    assert steps[0][0] == pytest.approx(0.400000005, abs=1e-15)
    assert steps[0][1] == pytest.approx(9.9999990e-09, rel=1e-7)
    for got, ref in zip(steps, _torch_adam(0.1, 0.9, 0.999, 1e-8, 2)):
        assert got == pytest.approx(ref, rel=1e-12, abs=1e-17)
    # step 2 by hand: err = 2*0.400000005 + 1e-8 - 1 = -0.19999998, gw = -0.39999996
    # m = 0.9*0.02 + 0.1*gw = -0.021999996, m_hat = m / (1 - 0.9^2) = -0.11578945
    # v = 0.999*4e-5 + 0.001*gw^2 = 1.9995997e-4, v_hat = v / (1 - 0.999^2) = 0.10002999, sqrt 0.31627518
    # w = 0.400000005 + 0.1 * 0.11578945 / 0.31627518 = 0.43661035
    assert steps[1][0] == pytest.approx(0.43661035, abs=1e-8)


def test_adam_bias_correction_matters():
    # without bias correction step 1 would move w by 0.1 * 0.02 / sqrt(4e-5) = 0.316; with it, by 0.1
    steps = _two_steps(bp.Adam(0.1, 0.9, 0.999, 1e-8))
    assert W0 - steps[0][0] == pytest.approx(0.1, rel=1e-6)


@pytest.mark.parametrize("opt", [bp.SGD(0.3), bp.Momentum(0.1, 0.8), bp.Adam(0.01)])
def test_steps_are_pure_and_state_is_frozen(opt):
    net = bp.Network([2, 3, 1], ["tanh", "sigmoid"], seed=2)
    ds = bp.make_dataset("xor")
    state = opt.init(net)
    bwd = net.backward(net.forward(ds.X_train), ds.Y_train)
    a, sa = opt.step(net, bwd, state)
    b, sb = opt.step(net, bwd, state)  # same inputs, same outputs; nothing was mutated
    np.testing.assert_array_equal(a.flatten(), b.flatten())
    assert sa.t == sb.t == 1 and state.t == 0
    for slot in sa.slots:
        for arr in slot:
            assert not arr.flags.writeable
    assert all(not arr.flags.writeable for arr in a.weights + a.biases)
    if opt.name == "sgd":  # theta - lr * g on every parameter
        expected = np.concatenate([p for w, bb, lb in zip(net.weights, net.biases, bwd.layers)
                                   for p in ((w - 0.3 * lb.dW).ravel(), bb - 0.3 * lb.db)])
        np.testing.assert_array_equal(a.flatten(), expected)


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam"])
def test_frozen_biases_never_move_but_have_gradients(name):
    ds = bp.make_dataset("xor")
    net = bp.Network([2, 3, 1], ["tanh", "sigmoid"], seed=5, init="uniform", train_biases=False)
    opt = bp.make_optimizer(name, 0.5 if name != "adam" else 0.05)
    state = opt.init(net)
    b0 = [b.copy() for b in net.biases]
    w0 = net.flatten()
    for _ in range(5):
        bwd = net.backward(net.forward(ds.X_train), ds.Y_train)
        assert all(np.abs(lb.db).max() > 1e-6 for lb in bwd.layers)  # computed, nonzero
        net, state = opt.step(net, bwd, state)
    for b, before in zip(net.biases, b0):
        np.testing.assert_array_equal(b, before)
    assert not np.array_equal(net.flatten(), w0)  # the weights did move


def test_make_optimizer_by_name():
    assert bp.make_optimizer("sgd", 0.2) == bp.SGD(0.2)
    assert bp.make_optimizer("momentum", 0.2, beta=0.5) == bp.Momentum(0.2, 0.5)
    assert bp.make_optimizer("adam", 0.2, beta1=0.8, beta2=0.99, eps=1e-6) == bp.Adam(0.2, 0.8, 0.99, 1e-6)
    assert set(bp.OPTIMIZERS) == {"sgd", "momentum", "adam"}
    with pytest.raises(ValueError, match="Unknown optimizer"):
        bp.make_optimizer("rmsprop", 0.1)


def test_update_record_deltas_and_ratios():
    s = bp.Session(bp.PRESETS["xor"])
    rec = s.step()
    upd = rec.update
    for old, g, d, new in zip(upd.old_weights, upd.grad_weights, upd.delta_weights, upd.new_weights):
        np.testing.assert_array_equal(d, new - old)
        np.testing.assert_allclose(d, -bp.PRESETS["xor"].lr * g, rtol=1e-12, atol=1e-15)  # SGD: -lr * grad
    ratios = upd.ratios()
    for r, d, old in zip(ratios, upd.delta_weights, upd.old_weights):
        assert r == pytest.approx(np.linalg.norm(d) / np.linalg.norm(old))
