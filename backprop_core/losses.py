"""Losses, each the mean over the n samples of a batch, with dL/da beside L."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Array = np.ndarray

# Predictions are clipped this far from 0 and 1 inside logs, so saturation gives no NaN.
EPS = 1e-12


@dataclass(frozen=True)
class Loss:
    """``value(a, y)`` -> float; ``grad(a, y)`` -> dL/da (n, k), already divided by n.

    ``fused_output`` names the output activation whose dL/dz simplifies to (a - y)/n.
    """

    name: str
    value: Callable[[Array, Array], float]
    grad: Callable[[Array, Array], Array]
    latex: str
    latex_grad: str
    outputs: tuple[str, ...]
    fused_output: str | None = None


def _mse(a: Array, y: Array) -> float:
    d = a - y
    return 0.5 * float(np.vdot(d, d)) / a.shape[0]


def _mse_grad(a: Array, y: Array) -> Array:
    d = a - y
    d /= a.shape[0]
    return d


def _bce(a: Array, y: Array) -> float:
    p = np.clip(a, EPS, 1.0 - EPS)
    return -float(np.sum(y * np.log(p) + (1.0 - y) * np.log1p(-p))) / a.shape[0]


def _bce_grad(a: Array, y: Array) -> Array:
    p = np.clip(a, EPS, 1.0 - EPS)
    return (p - y) / (p * (1.0 - p)) / a.shape[0]


def _ce(a: Array, y: Array) -> float:
    # np.maximum(a, EPS) is np.clip(a, EPS, None) bit for bit (NaN included), without clip's wrappers
    return -float(np.sum(y * np.log(np.maximum(a, EPS)))) / a.shape[0]


def _ce_grad(a: Array, y: Array) -> Array:
    return -y / np.maximum(a, EPS) / a.shape[0]


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss("mse", _mse, _mse_grad,
             r"L = \frac{1}{n}\sum_i \sum_k \tfrac12 (a_{ik} - y_{ik})^2",
             r"\frac{\partial L}{\partial a_{ik}} = \frac{a_{ik} - y_{ik}}{n}",
             ("sigmoid", "tanh", "relu", "leaky_relu", "linear", "softmax")),
        Loss("bce", _bce, _bce_grad,
             r"L = -\frac{1}{n}\sum_i \sum_k \left[y_{ik}\log a_{ik} + (1-y_{ik})\log(1-a_{ik})\right]",
             r"\frac{\partial L}{\partial a_{ik}} = \frac{a_{ik} - y_{ik}}{n\,a_{ik}(1-a_{ik})}",
             ("sigmoid",), fused_output="sigmoid"),
        Loss("ce", _ce, _ce_grad,
             r"L = -\frac{1}{n}\sum_i \sum_k y_{ik}\log a_{ik}",
             r"\frac{\partial L}{\partial a_{ik}} = -\frac{y_{ik}}{n\,a_{ik}}",
             ("softmax",), fused_output="softmax"),
    )
}


def check_pair(output_activation: str, loss: str) -> None:
    """Raise ValueError with a plain reason when a loss does not fit the output activation."""
    if loss not in LOSSES:
        raise ValueError(f"Unknown loss {loss!r}; choose one of {', '.join(LOSSES)}.")
    allowed = LOSSES[loss].outputs
    if output_activation not in allowed:
        raise ValueError(
            f"Loss {loss!r} needs an output activation in ({', '.join(allowed)}), "
            f"not {output_activation!r}: its log needs outputs in the right range."
        )


def losses_for(output_activation: str) -> tuple[str, ...]:
    """The losses that fit an output activation, in registry order."""
    return tuple(n for n, loss in LOSSES.items() if output_activation in loss.outputs)
