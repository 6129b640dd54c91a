"""An immutable fully connected network: forward and backward are pure functions of it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

from .activations import ACTIVATIONS
from .losses import LOSSES, check_pair
from .traces import BackwardTrace, ForwardTrace, LayerBackward, LayerForward, frozen_copy

Array = np.ndarray

INITS = ("xavier", "he", "uniform", "zeros")
REGULARIZATIONS = ("none", "l2", "l1")


@dataclass(frozen=True)
class NetworkSpec:
    """Everything but the numbers: sizes, activation per weight layer, loss and training switches."""

    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    loss: str = "mse"
    regularization: str = "none"
    reg_rate: float = 0.0
    train_biases: bool = True

    def __post_init__(self) -> None:
        if len(self.sizes) < 2 or any(int(s) < 1 for s in self.sizes):
            raise ValueError(f"sizes must list at least two positive layer widths, got {self.sizes}.")
        if len(self.activations) != len(self.sizes) - 1:
            raise ValueError(
                f"Need one activation per weight layer ({len(self.sizes) - 1}), got {len(self.activations)}."
            )
        for i, name in enumerate(self.activations):
            if name not in ACTIVATIONS:
                raise ValueError(f"Unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}.")
            if ACTIVATIONS[name].output_only and i != len(self.activations) - 1:
                raise ValueError(f"{name} can only be the output layer's activation.")
        check_pair(self.activations[-1], self.loss)
        if self.regularization not in REGULARIZATIONS:
            raise ValueError(f"regularization must be one of {REGULARIZATIONS}, got {self.regularization!r}.")
        if not (np.isfinite(self.reg_rate) and self.reg_rate >= 0):
            raise ValueError("reg_rate must be a finite number >= 0.")

    @cached_property  # computed once per spec: the training loop asks for it every iteration
    def shapes(self) -> tuple[tuple[int, int], ...]:
        return tuple((self.sizes[i], self.sizes[i + 1]) for i in range(len(self.sizes) - 1))

    @cached_property
    def n_params(self) -> int:
        return sum(i * o + o for i, o in self.shapes)


def init_params(spec: NetworkSpec, init: str, seed: int) -> tuple[list[Array], list[Array]]:
    """Initial (weights, biases), deterministic per seed; W drawn layer by layer from one generator."""
    if init not in INITS:
        raise ValueError(f"init must be one of {INITS}, got {init!r}.")
    rng = np.random.default_rng(seed)
    weights, biases = [], []
    for n_in, n_out in spec.shapes:
        if init == "xavier":  # Glorot & Bengio 2010, normalised (uniform) initialisation
            lim = np.sqrt(6.0 / (n_in + n_out))
            w, b = rng.uniform(-lim, lim, (n_in, n_out)), np.zeros(n_out)
        elif init == "he":  # He et al. 2015, normal with variance 2 / fan_in
            w, b = rng.normal(0.0, np.sqrt(2.0 / n_in), (n_in, n_out)), np.zeros(n_out)
        elif init == "uniform":  # the +-0.5 many playgrounds use, biases included
            w, b = rng.uniform(-0.5, 0.5, (n_in, n_out)), rng.uniform(-0.5, 0.5, n_out)
        else:
            w, b = np.zeros((n_in, n_out)), np.zeros(n_out)
        weights.append(w)
        biases.append(b)
    return weights, biases


def _owns_its_data(arr: Array) -> bool:
    """True when nothing else can write arr's memory: it owns it, or sits on immutable bytes."""
    base = arr.base
    while isinstance(base, np.ndarray):
        if base.flags.writeable:
            return False
        base = base.base
    return base is None or isinstance(base, bytes)


class Network:
    """Row-vector convention: Z = A_prev @ W + b, W (n_in, n_out), b (n_out,). Immutable."""

    __slots__ = ("spec", "weights", "biases")

    def __init__(
        self,
        sizes: Sequence[int],
        activations: Sequence[str] | None = None,
        loss: str = "mse",
        seed: int = 0,
        init: str = "xavier",
        regularization: str = "none",
        reg_rate: float = 0.0,
        train_biases: bool = True,
        *,
        weights: Sequence[Array] | None = None,
        biases: Sequence[Array] | None = None,
    ) -> None:
        sizes = tuple(int(s) for s in sizes)
        if activations is None:
            activations = ["sigmoid"] * (len(sizes) - 1)
        spec = NetworkSpec(sizes, tuple(activations), loss, regularization, float(reg_rate), bool(train_biases))
        if weights is None or biases is None:
            weights, biases = init_params(spec, init, seed)
        self._set(spec, weights, biases)

    def _set(self, spec: NetworkSpec, weights: Sequence[Array], biases: Sequence[Array],
             owned: bool = False) -> None:
        if owned:  # float64 arrays of the right shapes that no one else writes (optimizers, with_spec)
            ws, bs = tuple(weights), tuple(biases)
            for arr in ws + bs:
                arr.setflags(False)  # write=False (positional: a third of the keyword call's cost)
        else:
            ws, bs = self._checked(spec, weights, biases)
        object.__setattr__(self, "spec", spec)
        object.__setattr__(self, "weights", ws)
        object.__setattr__(self, "biases", bs)

    @staticmethod
    def _checked(spec: NetworkSpec, weights: Sequence[Array], biases: Sequence[Array]) -> tuple[tuple, tuple]:
        """Read-only float64 copies of the caller's arrays, after checking their shapes."""
        if len(weights) != len(spec.shapes) or len(biases) != len(spec.shapes):
            raise ValueError(f"Expected {len(spec.shapes)} weight and bias arrays.")
        ws, bs = [], []
        for (n_in, n_out), w, b in zip(spec.shapes, weights, biases):
            w, b = frozen_copy(w), frozen_copy(b)
            if w.shape != (n_in, n_out) or b.shape != (n_out,):
                raise ValueError(f"Layer shapes must be W {(n_in, n_out)}, b {(n_out,)}; got {w.shape}, {b.shape}.")
            ws.append(w)
            bs.append(b)
        return tuple(ws), tuple(bs)

    def __setattr__(self, name, value):  # noqa: ANN001
        raise AttributeError("Network is immutable; use with_params or with_spec.")

    @classmethod
    def _from(cls, spec: NetworkSpec, weights: Sequence[Array], biases: Sequence[Array],
              owned: bool = False) -> Network:
        net = object.__new__(cls)
        net._set(spec, weights, biases, owned)
        return net

    # -- shape and identity --------------------------------------------------------------------
    @property
    def sizes(self) -> tuple[int, ...]:
        return self.spec.sizes

    @property
    def activations(self) -> tuple[str, ...]:
        return self.spec.activations

    @property
    def loss(self) -> str:
        return self.spec.loss

    @property
    def n_layers(self) -> int:
        return len(self.weights)

    def __repr__(self) -> str:
        return f"Network({list(self.sizes)}, activations={list(self.activations)}, loss={self.loss!r})"

    # -- new networks from old -----------------------------------------------------------------
    def with_params(self, weights: Sequence[Array], biases: Sequence[Array]) -> Network:
        """Same spec, new numbers (copied, so the caller's arrays stay theirs)."""
        return Network._from(self.spec, weights, biases)

    def _with_owned_params(self, weights: Sequence[Array], biases: Sequence[Array]) -> Network:
        """Same spec, adopting fresh arrays nobody else holds (optimizers use this: no copy)."""
        return Network._from(self.spec, weights, biases, owned=True)

    def with_spec(self, **changes) -> Network:
        """Same numbers, changed activations/loss/regularisation/train_biases (sizes cannot change)."""
        if "sizes" in changes and tuple(changes["sizes"]) != self.sizes:
            raise ValueError("Changing sizes needs new weights; build a new Network.")
        if "activations" in changes:
            changes["activations"] = tuple(changes["activations"])
        return Network._from(replace(self.spec, **changes), self.weights, self.biases, owned=True)

    def flatten(self) -> Array:
        """All parameters as one vector: W1.ravel(), b1, W2.ravel(), b2, ..."""
        parts = []
        for w, b in zip(self.weights, self.biases):
            parts += [w.ravel(), b]
        return np.concatenate(parts)

    def weight_mask(self) -> Array:
        """(n_params,) bool in the layout of flatten: True at weights, False at biases."""
        return np.concatenate([np.r_[np.ones(i * o, bool), np.zeros(o, bool)] for i, o in self.spec.shapes])

    def unflatten(self, v: Array) -> Network:
        """Inverse of flatten: a Network of this spec holding the numbers in v."""
        v = np.asarray(v, dtype=float)
        if v.shape != (self.spec.n_params,):
            raise ValueError(f"Expected a vector of {self.spec.n_params} parameters, got shape {v.shape}.")
        ws, bs, i = [], [], 0
        for n_in, n_out in self.spec.shapes:
            ws.append(v[i:i + n_in * n_out].reshape(n_in, n_out))
            i += n_in * n_out
            bs.append(v[i:i + n_out])
            i += n_out
        return Network._from(self.spec, ws, bs)

    # -- the math ------------------------------------------------------------------------------
    def forward(self, X: Array) -> ForwardTrace:
        """X (n, n_in) -> trace with z, a (n, n_out) per layer. A read-only float64 X (a Dataset's
        arrays) is kept as is; anything the caller could still write to is copied first."""
        a = np.asarray(X, dtype=float)
        if a.ndim != 2 or a.shape[1] != self.spec.sizes[0]:
            raise ValueError(f"X must have shape (n, {self.spec.sizes[0]}), got {a.shape}.")
        x = frozen_copy(a) if a.flags.writeable or not _owns_its_data(a) else a
        layers = []
        a = x
        for w, b, name in zip(self.weights, self.biases, self.spec.activations):
            z = a @ w
            z += b
            a = ACTIVATIONS[name].f(z)
            z.setflags(False)  # write=False: the trace is read-only (positional, cheaper than keyword)
            a.setflags(False)
            layers.append(LayerForward(z, a))
        return ForwardTrace(x, tuple(layers))

    def penalty(self) -> float:
        """The regularisation term added to the data loss (weights only)."""
        lam, kind = self.spec.reg_rate, self.spec.regularization
        if kind == "l2":
            return 0.5 * lam * sum(float(np.vdot(w, w)) for w in self.weights)
        if kind == "l1":
            return lam * sum(float(np.abs(w).sum()) for w in self.weights)
        return 0.0

    def _penalty_grad(self, w: Array) -> Array | None:
        lam, kind = self.spec.reg_rate, self.spec.regularization
        if kind == "l2":
            return lam * w
        if kind == "l1":
            return lam * np.sign(w)
        return None

    def backward(self, fwd: ForwardTrace, Y: Array) -> BackwardTrace:
        """Gradients of (mean data loss + penalty) for the batch of ``fwd``; Y (n, n_out)."""
        y = np.asarray(Y, dtype=float)
        out = fwd.output
        if y.shape != out.shape:
            raise ValueError(f"Y must have shape {out.shape}, got {y.shape}.")
        spec = self.spec
        loss = LOSSES[spec.loss]
        data_loss = loss.value(out, y)
        penalty = self.penalty()
        dA = loss.grad(out, y)
        regularized = spec.regularization != "none"
        records: list[LayerBackward] = []
        last = len(self.weights) - 1
        for li in range(last, -1, -1):
            lf, act = fwd.layers[li], ACTIVATIONS[spec.activations[li]]
            if li == last and loss.fused_output == act.name:
                dZ = out - y  # sigmoid+BCE and softmax+CE: dL/dz = (a - y)/n, exact at saturation
                dZ /= out.shape[0]
            else:
                dZ = act.backward(lf.z, lf.a, dA)
            a_prev = fwd.layers[li - 1].a if li > 0 else fwd.x
            dW = a_prev.T @ dZ
            if regularized:
                dW += self._penalty_grad(self.weights[li])
            db = np.add.reduce(dZ, axis=0)  # = dZ.sum(axis=0), bit for bit, without the method's overhead
            for arr in (dA, dZ, dW, db):
                arr.setflags(False)  # write=False
            records.append(LayerBackward(dA, dZ, dW, db))
            if li > 0:
                dA = dZ @ self.weights[li].T
        records.reverse()
        return BackwardTrace(data_loss + penalty, data_loss, penalty, tuple(records))

    def loss_value(self, X: Array, Y: Array) -> float:
        """Data loss + penalty, without keeping traces."""
        out = self.forward(X).output
        return LOSSES[self.loss].value(out, np.asarray(Y, dtype=float)) + self.penalty()

    def predict(self, X: Array) -> Array:
        return self.forward(X).output
