"""Activation functions: each one record holding f, its derivative and the LaTeX of both."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Array = np.ndarray


@dataclass(frozen=True)
class Activation:
    """f maps z -> a; ``backward(z, a, dA)`` returns dZ = dL/dz given dA = dL/da.

    ``derivative(z, a)`` is the elementwise f'(z) as a new array of z's shape (backward multiplies it
    by dA in place); for softmax it is the diagonal s(1-s), shown for teaching only, and its backward
    uses the full Jacobian-vector product.
    """

    name: str
    f: Callable[[Array], Array]
    derivative: Callable[[Array, Array], Array]
    latex_f: str
    latex_df: str
    output_only: bool = False
    elementwise: bool = True

    def backward(self, z: Array, a: Array, dA: Array) -> Array:
        """dZ (n, k) from dA (n, k); elementwise activations multiply by f'(z)."""
        if self.elementwise:
            d = self.derivative(z, a)  # a new array: it becomes dZ, saving a pass and an allocation
            d *= dA
            return d
        return _softmax_backward(a, dA)


def _sigmoid(z: Array) -> Array:
    out = np.negative(z)  # one fresh array, then everything in place
    with np.errstate(over="ignore"):  # exp(-z) overflows to inf for z < -709; 1/(1+inf) = 0 is the right limit
        np.exp(out, out=out)
    out += 1.0
    return np.divide(1.0, out, out=out)  # faster than np.reciprocal, same bits


def _sigmoid_d(z: Array, a: Array) -> Array:
    d = 1.0 - a
    d *= a
    return d


def _tanh_d(z: Array, a: Array) -> Array:
    d = a * a
    return np.subtract(1.0, d, out=d)


def _relu(z: Array) -> Array:
    return np.maximum(z, 0.0)


def _relu_d(z: Array, a: Array) -> Array:
    return (z > 0).astype(float)  # f'(0) = 0 by convention


LEAKY_SLOPE = 0.01


def _leaky(z: Array) -> Array:
    return np.where(z > 0, z, LEAKY_SLOPE * z)


def _leaky_d(z: Array, a: Array) -> Array:
    return np.where(z > 0, 1.0, LEAKY_SLOPE)


def _linear(z: Array) -> Array:
    return np.array(z, dtype=float, copy=True)


def _linear_d(z: Array, a: Array) -> Array:
    return np.ones_like(z, dtype=float)


def _softmax(z: Array) -> Array:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    e /= e.sum(axis=-1, keepdims=True)
    return e


def _softmax_diag(z: Array, a: Array) -> Array:
    return a * (1.0 - a)


def _softmax_backward(a: Array, dA: Array) -> Array:
    # Jacobian-vector product: dz_j = s_j (dA_j - sum_k dA_k s_k), valid for any loss.
    dot = np.einsum("ij,ij->i", dA, a)[:, None]
    return a * (dA - dot)


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("sigmoid", _sigmoid, _sigmoid_d,
                   r"\sigma(z) = \frac{1}{1 + e^{-z}}", r"\sigma'(z) = \sigma(z)\,(1 - \sigma(z))"),
        Activation("tanh", np.tanh, _tanh_d,
                   r"\tanh(z) = \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}}", r"\tanh'(z) = 1 - \tanh^2(z)"),
        Activation("relu", _relu, _relu_d,
                   r"\mathrm{ReLU}(z) = \max(0, z)",
                   r"\mathrm{ReLU}'(z) = \begin{cases} 1 & z > 0 \\ 0 & z \le 0 \end{cases}"),
        Activation("leaky_relu", _leaky, _leaky_d,
                   r"\mathrm{LReLU}(z) = \begin{cases} z & z > 0 \\ 0.01\,z & z \le 0 \end{cases}",
                   r"\mathrm{LReLU}'(z) = \begin{cases} 1 & z > 0 \\ 0.01 & z \le 0 \end{cases}"),
        Activation("linear", _linear, _linear_d, r"f(z) = z", r"f'(z) = 1"),
        Activation("softmax", _softmax, _softmax_diag,
                   r"s_j(z) = \frac{e^{z_j}}{\sum_k e^{z_k}}",
                   r"\frac{\partial s_j}{\partial z_i} = s_j(\delta_{ij} - s_i)",
                   output_only=True, elementwise=False),
    )
}

HIDDEN_ACTIVATIONS = tuple(n for n, a in ACTIVATIONS.items() if not a.output_only)
