"""Backprop checked against central differences of the loss."""

from __future__ import annotations

import numpy as np

from .network import Network

Array = np.ndarray


def numeric_gradient(net: Network, X: Array, Y: Array, h: float = 1e-6, index: int | None = None):
    """Central-difference dL/dtheta over the flat parameter vector (or one entry when index is given)."""
    v = net.flatten()

    def diff(i: int) -> float:
        vp, vm = v.copy(), v.copy()
        vp[i] += h
        vm[i] -= h
        return (net.unflatten(vp).loss_value(X, Y) - net.unflatten(vm).loss_value(X, Y)) / (2 * h)

    if index is not None:
        return diff(index)
    return np.array([diff(i) for i in range(v.size)])


def analytic_gradient(net: Network, X: Array, Y: Array) -> Array:
    """Backprop's gradient flattened in the order of Network.flatten."""
    bwd = net.backward(net.forward(X), Y)
    return np.concatenate([p for lb in bwd.layers for p in (lb.dW.ravel(), lb.db)])


def relative_error(a: Array, b: Array, floor: float = 1e-8) -> Array:
    """|a - b| / max(|a| + |b|, floor), elementwise; the floor keeps near-zero pairs from exploding."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    return np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), floor)


def gradcheck(net: Network, X: Array, Y: Array, h: float = 1e-6) -> float:
    """Max relative error between backprop and central differences over every parameter."""
    return float(relative_error(analytic_gradient(net, X, Y), numeric_gradient(net, X, Y, h)).max())
