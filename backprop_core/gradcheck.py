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
    return net.backward(net.forward(X), Y).flat_grad()


def relative_error(a: Array, b: Array, floor: float = 1e-8) -> Array:
    """|a - b| / max(max|a| + max|b|, floor), elementwise: each entry's error relative to the gradient's
    overall scale. Central differences carry an absolute roundoff of about eps * |L| / h (~1e-10), so an
    entry that is nearly zero while others are O(1) would fail a per-entry ratio for no fault of backprop."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    scale = (np.abs(a).max() + np.abs(b).max()) if a.size else 0.0
    return np.abs(a - b) / max(float(scale), floor)


def resolution(loss: float, h: float = 1e-6) -> float:
    """The smallest gradient scale central differences resolve to 1e-7: their roundoff eps * |L| / h,
    times 1e7 (2.2e-3 * |L| for h = 1e-6). Saturated networks have whole gradients below this."""
    return 1e7 * float(np.finfo(float).eps) * abs(loss) / h


def gradcheck(net: Network, X: Array, Y: Array, h: float = 1e-6) -> float:
    """Max error between backprop and central differences over every parameter, relative to the
    largest gradient entry (see ``relative_error``), or to ``resolution`` when the whole gradient is
    smaller than central differences can resolve."""
    floor = max(1e-8, resolution(net.loss_value(X, Y), h))
    return float(relative_error(analytic_gradient(net, X, Y), numeric_gradient(net, X, Y, h), floor).max())
