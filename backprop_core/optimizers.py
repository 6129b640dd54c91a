"""Optimizers with PyTorch's update rules; their state is an immutable record, never mutated."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .network import Network
from .traces import BackwardTrace, frozen

Array = np.ndarray


@dataclass(frozen=True)
class OptState:
    """t: steps taken; slots[k] holds one tuple of arrays per parameter (W1, b1, W2, b2, ...)."""

    t: int
    slots: tuple[tuple[Array, ...], ...]


def _params(net: Network) -> list[Array]:
    out = []
    for w, b in zip(net.weights, net.biases):
        out += [w, b]
    return out


def _grads(bwd: BackwardTrace) -> list[Array]:
    out = []
    for lb in bwd.layers:
        out += [lb.dW, lb.db]
    return out


def _rebuild(net: Network, params: list[Array]) -> Network:
    ws, bs = params[0::2], params[1::2]
    if not net.spec.train_biases:
        bs = list(net.biases)
    return net._with_owned_params(ws, bs)


def _minus(p: Array, lr: float, d: Array) -> Array:
    """p - lr * d as one new array: (-lr) * d, then p added in place. The same bits as ``p - lr * d``
    (negating a product is exact, and a + (-b) is a - b), without a second temporary: at 784 x 100 a
    fresh 627 KB array costs its page faults (bench/bench_core.py)."""
    out = np.multiply(d, -lr)
    out += p
    return out


def _zeros(net: Network, k: int) -> OptState:
    slots = tuple(tuple(frozen(np.zeros_like(p)) for p in _params(net)) for _ in range(k))
    return OptState(0, slots)


@dataclass(frozen=True)
class SGD:
    """theta <- theta - lr * g."""

    lr: float = 0.5
    name = "sgd"

    def init(self, net: Network) -> OptState:
        return OptState(0, ())

    def step(self, net: Network, bwd: BackwardTrace, state: OptState) -> tuple[Network, OptState]:
        lr = self.lr
        ws = [_minus(w, lr, lb.dW) for w, lb in zip(net.weights, bwd.layers)]
        bs = [_minus(b, lr, lb.db) for b, lb in zip(net.biases, bwd.layers)] if net.spec.train_biases else net.biases
        return net._with_owned_params(ws, bs), OptState(state.t + 1, ())


@dataclass(frozen=True)
class Momentum:
    """v <- beta*v + g; theta <- theta - lr*v (PyTorch SGD with momentum, no dampening)."""

    lr: float = 0.1
    beta: float = 0.9
    name = "momentum"

    def init(self, net: Network) -> OptState:
        return _zeros(net, 1)

    def step(self, net: Network, bwd: BackwardTrace, state: OptState) -> tuple[Network, OptState]:
        vs, new = [], []
        for p, g, v in zip(_params(net), _grads(bwd), state.slots[0]):
            v = self.beta * v + g
            vs.append(frozen(v))
            new.append(_minus(p, self.lr, v))
        return _rebuild(net, new), OptState(state.t + 1, (tuple(vs),))


@dataclass(frozen=True)
class Adam:
    """m, v moving averages of g and g^2 with bias correction; theta <- theta - lr*m_hat/(sqrt(v_hat)+eps)."""

    lr: float = 1e-3
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    name = "adam"

    def init(self, net: Network) -> OptState:
        return _zeros(net, 2)

    def step(self, net: Network, bwd: BackwardTrace, state: OptState) -> tuple[Network, OptState]:
        t = state.t + 1
        c1, c2 = 1.0 - self.beta1**t, 1.0 - self.beta2**t
        ms, vs, new = [], [], []
        for p, g, m, v in zip(_params(net), _grads(bwd), *state.slots):
            m = self.beta1 * m + (1.0 - self.beta1) * g
            v = self.beta2 * v + (1.0 - self.beta2) * (g * g)
            ms.append(frozen(m))
            vs.append(frozen(v))
            new.append(p - self.lr * (m / c1) / (np.sqrt(v / c2) + self.eps))
        return _rebuild(net, new), OptState(t, (tuple(ms), tuple(vs)))


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "adam": Adam}


def make_optimizer(name: str, lr: float, beta: float = 0.9, beta1: float = 0.9, beta2: float = 0.999,
                   eps: float = 1e-8):
    """Build an optimizer by registry name from plain numbers (what a Config holds)."""
    if name == "sgd":
        return SGD(lr)
    if name == "momentum":
        return Momentum(lr, beta)
    if name == "adam":
        return Adam(lr, beta1, beta2, eps)
    raise ValueError(f"Unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}.")
