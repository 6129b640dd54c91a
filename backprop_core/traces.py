"""Immutable records of one iteration: forward, backward and update, one entry per weight layer."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Array = np.ndarray


def frozen(arr: Array) -> Array:
    """Mark an array read-only in place and return it (no copy)."""
    arr.setflags(write=False)
    return arr


def frozen_copy(arr: Array) -> Array:
    """A read-only float64 copy, so later writes to the source cannot reach the record."""
    out = np.array(arr, dtype=float, copy=True)
    out.setflags(write=False)
    return out


@dataclass(frozen=True)
class LayerForward:
    """z = a_prev @ W + b and a = f(z), both (n, n_out)."""

    z: Array
    a: Array


@dataclass(frozen=True)
class ForwardTrace:
    """x: (n, n_in); layers[l] for weight layer l+1; output = layers[-1].a."""

    x: Array
    layers: tuple[LayerForward, ...]

    @property
    def output(self) -> Array:
        return self.layers[-1].a


@dataclass(frozen=True)
class LayerBackward:
    """dA, dZ: (n, n_out) per sample (already carrying the 1/n of the mean);
    dW: (n_in, n_out) including the penalty's gradient; db: (n_out,)."""

    dA: Array
    dZ: Array
    dW: Array
    db: Array


@dataclass(frozen=True)
class BackwardTrace:
    """loss = data_loss + penalty, all floats; layers aligned with ForwardTrace.layers."""

    loss: float
    data_loss: float
    penalty: float
    layers: tuple[LayerBackward, ...]

    @property
    def grad_norms(self) -> tuple[float, ...]:
        return tuple(float(np.linalg.norm(lb.dW)) for lb in self.layers)

    def flat_grad(self) -> Array:
        """dL/dtheta (n_params,) in the layout of Network.flatten: dW1.ravel(), db1, dW2.ravel(), ..."""
        return np.concatenate([p for lb in self.layers for p in (lb.dW.ravel(), lb.db)])


@dataclass(frozen=True)
class Update:
    """One optimizer step: per layer old, gradient, delta = new - old, new (read-only arrays)."""

    old_weights: tuple[Array, ...]
    old_biases: tuple[Array, ...]
    grad_weights: tuple[Array, ...]
    grad_biases: tuple[Array, ...]
    delta_weights: tuple[Array, ...]
    delta_biases: tuple[Array, ...]
    new_weights: tuple[Array, ...]
    new_biases: tuple[Array, ...]
    lr: float
    optimizer: str

    def ratios(self) -> tuple[float, ...]:
        """Per layer ||dW_update|| / ||W_old|| (the classic 'update/weight ratio', ~1e-3 is healthy)."""
        out = []
        for d, w in zip(self.delta_weights, self.old_weights):
            wn = float(np.linalg.norm(w))
            out.append(float(np.linalg.norm(d)) / wn if wn > 0 else float("inf") if d.any() else 0.0)
        return tuple(out)
