"""Loss landscapes: the loss over a plane through parameter space, a whole grid at once.

A plane is an origin theta (flat parameters, the layout of ``Network.flatten``: W1.ravel(), b1,
W2.ravel(), b2, ...) and two directions d1, d2 of the same length. The surface is

    S[i, j] = L(theta + alphas[j] * d1 + betas[i] * d2)        S: (len(betas), len(alphas))

so rows follow beta (the y axis of a heat map) and columns follow alpha (its x axis). L is the
loss ``Network.backward`` reports: the mean data loss plus the regularisation penalty.

Why it is fast: every pre-activation is linear in (alpha, beta) given the layer's input,

    z = a_prev @ (W + alpha D1 + beta D2) + (b + alpha e1 + beta e2).

For the first layer a_prev = X is shared by every grid point, so X @ W, X @ D1, X @ D2 are computed
once and z for a block of grid points is one rank-3 product [1, alpha, beta] @ (those three). Later
layers form each grid point's own weights the same way and apply them with one batched matmul per
block. Blocks of grid points are sized so each working array stays under ``BLOCK_BYTES`` (cache-sized,
which is also what runs fastest), and the losses are computed per grid point as losses.py does.

Directions: single parameters (``param_directions``), random filter-normalised directions
(``random_directions``, Li et al. 2018, "Visualizing the Loss Landscape of Neural Nets") and the
two principal components of a training trajectory (``pca_directions``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from .activations import ACTIVATIONS
from .losses import EPS
from .network import Network
from .traces import frozen_copy

Array = np.ndarray

# Bytes allowed per (block, width, n) working array: cache-sized blocks run fastest and bound memory.
BLOCK_BYTES = 2**19
# Rows used for a surface when the dataset is larger (each grid point costs a forward pass over them).
SUBSAMPLE_MAX = 512
# Seed of the fallback direction used when a trajectory has no second (or first) principal component.
FALLBACK_SEED = 20180101


# -- planes -----------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Plane:
    """A plane through parameter space: ``origin + alpha * d1 + beta * d2`` (all (n_params,)).

    kind: "params" (two single parameters), "random" (filter-normalised) or "pca" (trajectory).
    explained: (2,) fraction of the trajectory's squared distance to the origin that each PCA
    direction captures (None for other kinds). fallback: True when a PCA direction had to be made
    up (trajectory too short or without spread in two directions); the figure should say so.
    """

    d1: Array
    d2: Array
    origin: Array
    kind: str
    explained: Array | None = None
    fallback: bool = False

    def __post_init__(self) -> None:
        for name in ("d1", "d2", "origin"):
            object.__setattr__(self, name, frozen_copy(getattr(self, name)))
        if self.explained is not None:
            object.__setattr__(self, "explained", frozen_copy(self.explained))
        if not (self.d1.ndim == 1 and self.d1.shape == self.d2.shape == self.origin.shape):
            raise ValueError("d1, d2 and origin must be 1-D vectors of the same length.")

    def point(self, alpha: float, beta: float) -> Array:
        """The flat parameters at plane coordinates (alpha, beta), shape (n_params,)."""
        return self.origin + alpha * self.d1 + beta * self.d2


# -- flat index <-> parameter name ------------------------------------------------------------
def _offsets(net: Network) -> list[tuple[int, int, int, int]]:
    """Per weight layer: (start of W, start of b, n_in, n_out) in the flat vector."""
    out, i = [], 0
    for n_in, n_out in net.spec.shapes:
        out.append((i, i + n_in * n_out, n_in, n_out))
        i += n_in * n_out + n_out
    return out


def param_index(net: Network, layer: int, kind: str, row: int | None = None, col: int | None = None) -> int:
    """Flat index of ``W[row, col]`` (kind "W") or ``b[col]`` (kind "b", row None or 0) of a
    0-based weight layer. W is (n_in, n_out): row = input unit, col = neuron of ``layer``."""
    offs = _offsets(net)
    if not 0 <= layer < len(offs):
        raise ValueError(f"layer must be in 0..{len(offs) - 1}, got {layer}.")
    w0, b0, n_in, n_out = offs[layer]
    if col is None or not 0 <= col < n_out:
        raise ValueError(f"col must be in 0..{n_out - 1}, got {col}.")
    if kind == "W":
        if row is None or not 0 <= row < n_in:
            raise ValueError(f"row must be in 0..{n_in - 1}, got {row}.")
        return w0 + row * n_out + col
    if kind == "b":
        if row not in (None, 0):
            raise ValueError(f"A bias has no row; got row={row}.")
        return b0 + col
    raise ValueError(f"kind must be 'W' or 'b', got {kind!r}.")


def param_name(net: Network, idx: int) -> tuple[str, int, int | None, int]:
    """Inverse of ``param_index``: (kind, layer, row, col); row is None for a bias."""
    if not 0 <= idx < net.spec.n_params:
        raise ValueError(f"index must be in 0..{net.spec.n_params - 1}, got {idx}.")
    for layer, (w0, b0, _n_in, n_out) in enumerate(_offsets(net)):
        if idx < b0:
            row, col = divmod(idx - w0, n_out)
            return "W", layer, row, col
        if idx < b0 + n_out:
            return "b", layer, None, idx - b0
    raise AssertionError("unreachable: index checked against n_params")


# -- directions -------------------------------------------------------------------------------
def param_directions(net: Network, i: int, j: int) -> tuple[Array, Array]:
    """Unit vectors e_i, e_j (n_params,): the surface over two single parameters, others fixed."""
    n = net.spec.n_params
    if not (0 <= i < n and 0 <= j < n) or i == j:
        raise ValueError(f"Need two different parameter indices in 0..{n - 1}, got {i} and {j}.")
    d1, d2 = np.zeros(n), np.zeros(n)
    d1[i] = d2[j] = 1.0
    return frozen_copy(d1), frozen_copy(d2)


def param_plane(net: Network, i: int, j: int) -> Plane:
    """The plane of parameters i (alpha) and j (beta) through the network's parameters."""
    d1, d2 = param_directions(net, i, j)
    return Plane(d1, d2, net.flatten(), "params")


def filter_normalize(net: Network, d: Array) -> Array:
    """Li et al.'s filter normalisation for a fully connected net, d (n_params,) -> (n_params,).

    A neuron's incoming weights are a COLUMN here (W is (n_in, n_out), row-vector convention):
    column j of each layer's direction is rescaled to the norm of column j of that layer's
    weights (a zero weight column gives a zero direction column). Bias entries are zeroed.
    """
    out = np.array(d, dtype=float, copy=True)
    for (w0, b0, n_in, n_out), w in zip(_offsets(net), net.weights):
        dw = out[w0:b0].reshape(n_in, n_out)  # a view: scaled in place
        dn, wn = np.linalg.norm(dw, axis=0), np.linalg.norm(w, axis=0)
        scale = np.divide(wn, dn, out=np.zeros(n_out), where=dn > 0)
        dw *= scale
        out[b0:b0 + n_out] = 0.0
    return frozen_copy(out)


def random_directions(net: Network, seed: int) -> tuple[Array, Array]:
    """Two Gaussian directions (n_params,), each filter-normalised (see ``filter_normalize``).

    Both come from ``np.random.default_rng(seed)``, d1 drawn first: the same seed gives the same
    directions. Not orthogonalised (as in Li et al.); ``project`` handles non-orthogonal planes.
    """
    rng = np.random.default_rng(seed)
    n = net.spec.n_params
    return filter_normalize(net, rng.standard_normal(n)), filter_normalize(net, rng.standard_normal(n))


def random_plane(net: Network, seed: int) -> Plane:
    """The plane of two random filter-normalised directions through the network's parameters."""
    d1, d2 = random_directions(net, seed)
    return Plane(d1, d2, net.flatten(), "random")


@dataclass(frozen=True, eq=False)
class PCADirections:
    """The trajectory's plane: d1, d2 (n_params,) orthonormal; explained (2,); coords (m, 2) with the
    final point at (0, 0); origin = final parameters. Unpacks as ``d1, d2, explained, coords``."""

    d1: Array
    d2: Array
    explained: Array
    coords: Array
    origin: Array
    fallback: bool

    def __iter__(self) -> Iterator[Array]:
        return iter((self.d1, self.d2, self.explained, self.coords))

    @property
    def plane(self) -> Plane:
        return Plane(self.d1, self.d2, self.origin, "pca", self.explained, self.fallback)


def _orthonormal_fill(basis: list[Array], n: int) -> Array:
    """A unit vector (n,) orthogonal to the orthonormal vectors in ``basis``, deterministic."""
    rng = np.random.default_rng(FALLBACK_SEED)
    while True:
        v = rng.standard_normal(n)
        for b in basis:  # Gram-Schmidt, twice for accuracy
            v -= (v @ b) * b
        for b in basis:
            v -= (v @ b) * b
        norm = np.linalg.norm(v)
        if norm > 1e-8:
            return v / norm


def _sign_fix(d: Array, first: Array) -> Array:
    """Flip d so the trajectory's first point has a non-negative coordinate (ties: largest entry > 0)."""
    c = first @ d
    if c < 0 or (c == 0 and d[np.argmax(np.abs(d))] < 0):
        return -d
    return d


def pca_directions(trajectory: Array) -> PCADirections:
    """PCA of a trajectory (m, n_params), e.g. ``Session.trajectory()[1]``, as in Li et al.:

    rows are centred on the FINAL parameters (theta_k - theta_final), and d1, d2 are the first two
    right singular vectors of that (m, n_params) matrix; ``explained[k] = s_k^2 / sum(s^2)``, the
    share of the summed squared distance to the final point that component k captures (in [0, 1],
    summing to <= 1). Signs put the first point at non-negative coordinates.

    With fewer than 3 points, or no spread along a second (or any) direction, the missing
    directions are deterministic orthonormal fill-ins with explained share 0, and ``fallback`` is True.
    """
    T = np.asarray(trajectory, dtype=float)
    if T.ndim != 2 or T.shape[0] < 1 or T.shape[1] < 2:
        raise ValueError(f"trajectory must be (m >= 1, n_params >= 2), got shape {T.shape}.")
    final = T[-1]
    M = T - final
    _, s, vt = np.linalg.svd(M, full_matrices=False)
    total = float(np.sum(s * s))
    tol = 1e-12 * max(1.0, float(np.linalg.norm(final)))
    keep = [k for k in range(min(2, len(s))) if s[k] > tol and (k == 0 or s[k] > 1e-10 * s[0])]
    dirs = [_sign_fix(vt[k], M[0]) for k in keep]
    while len(dirs) < 2:
        dirs.append(_orthonormal_fill(dirs, T.shape[1]))
    explained = np.array([s[k] ** 2 / total if k in keep else 0.0 for k in range(2)])
    fallback = len(keep) < 2 or T.shape[0] < 3
    D = np.stack(dirs, axis=1)
    return PCADirections(*map(frozen_copy, (dirs[0], dirs[1], explained, M @ D, final)), fallback)


# -- coordinates on a plane -------------------------------------------------------------------
def project(plane: Plane, flat_params: Array) -> Array:
    """Plane coordinates (alpha, beta) of parameter vectors relative to the plane's origin.

    flat_params (n_params,) -> (2,), or (m, n_params) -> (m, 2). Least squares (closest point on
    the plane) when d1, d2 are not orthogonal; exact for orthonormal directions.
    """
    P = np.asarray(flat_params, dtype=float) - plane.origin
    D = np.stack([plane.d1, plane.d2], axis=1)  # (n_params, 2)
    return frozen_copy((P @ D) @ np.linalg.pinv(D.T @ D))


def move_in_plane(plane: Plane, theta: Array, alpha: float, beta: float) -> Array:
    """theta (n_params,) moved along d1, d2 only, so that its plane coordinates become (alpha, beta).

    Returns ``theta + (alpha - a0) d1 + (beta - b0) d2`` with (a0, b0) = ``project(plane, theta)``: on a
    plane of two single parameters it sets those two to ``origin + (alpha, beta)`` and leaves every
    other parameter alone; for theta on the plane it equals ``plane.point(alpha, beta)``.
    """
    theta = np.asarray(theta, dtype=float)
    a0, b0 = project(plane, theta)
    return frozen_copy(theta + (float(alpha) - a0) * plane.d1 + (float(beta) - b0) * plane.d2)


def fit_half_widths(base: tuple[float, float], points: Array | None, fill: float = 0.9) -> tuple[float, float]:
    """Half-widths (2,) of a window centred on the origin that holds ``points`` (m, 2) inside ``fill`` of it.

    Per axis the smallest ``base * 2**k`` (k >= 0): the window only changes when a point leaves it, and
    then doubles, so a picture over a fixed origin is recomputed rarely. Non-finite points are ignored.
    """
    half = [float(b) for b in base]
    if any(not (math.isfinite(h) and h > 0) for h in half):
        raise ValueError(f"base half-widths must be finite and positive, got {base}.")
    P = np.asarray(points if points is not None else np.zeros((0, 2)), dtype=float).reshape(-1, 2)
    P = P[np.all(np.isfinite(P), axis=1)]
    if P.size:
        reach = np.abs(P).max(axis=0)
        for k in range(2):
            need = reach[k] / (fill * half[k])
            if need > 1:
                half[k] *= 2.0 ** math.ceil(math.log2(need) - 1e-12)
    return half[0], half[1]


def default_range(plane: Plane, trajectory_coords: Array | None = None,
                  margin: float = 0.25) -> tuple[tuple[float, float], tuple[float, float]]:
    """((alpha_min, alpha_max), (beta_min, beta_max)) for a surface grid.

    With trajectory coordinates (m, 2): the box around them and the origin, widened by ``margin``
    of its span on each side (an axis with almost no spread gets 20% of the other's span).
    Without a trajectory, or if it never moved: +-1 for random and PCA planes (Li et al.'s range),
    and for a plane of single parameters +-max(1, 2|theta|) per axis, so the range reaches the
    weight's sign flip.
    """
    fallback = _fallback_half(plane)
    if trajectory_coords is None or np.size(trajectory_coords) == 0:
        return (-fallback[0], fallback[0]), (-fallback[1], fallback[1])
    c = np.asarray(trajectory_coords, dtype=float).reshape(-1, 2)
    c = c[np.all(np.isfinite(c), axis=1)]
    lo = np.minimum(c.min(axis=0, initial=0.0), 0.0)
    hi = np.maximum(c.max(axis=0, initial=0.0), 0.0)
    span = hi - lo
    if span.max() <= 0:
        return (-fallback[0], fallback[0]), (-fallback[1], fallback[1])
    floor = 0.2 * span.max()
    grow = np.maximum(floor - span, 0.0) / 2  # widen a flat axis symmetrically
    lo, hi = lo - grow, hi + grow
    pad = margin * (hi - lo)
    return (float(lo[0] - pad[0]), float(hi[0] + pad[0])), (float(lo[1] - pad[1]), float(hi[1] + pad[1]))


def _fallback_half(plane: Plane) -> tuple[float, float]:
    if plane.kind != "params":
        return 1.0, 1.0
    t1 = abs(float(plane.origin[int(np.argmax(np.abs(plane.d1)))]))
    t2 = abs(float(plane.origin[int(np.argmax(np.abs(plane.d2)))]))
    return max(1.0, 2 * t1), max(1.0, 2 * t2)


# -- data ---------------------------------------------------------------------------------------
def surface_subsample(X: Array, Y: Array, max_n: int = SUBSAMPLE_MAX,
                      seed: int = 0) -> tuple[Array, Array, bool]:
    """(X', Y', subsampled): at most ``max_n`` rows, chosen by ``seed`` (the same every call, in the
    original order); ``subsampled`` is False when all rows were kept. Outputs are read-only."""
    X, Y = np.asarray(X, dtype=float), np.asarray(Y, dtype=float)
    if X.shape[0] != Y.shape[0]:
        raise ValueError(f"X and Y need the same number of rows, got {X.shape[0]} and {Y.shape[0]}.")
    if max_n < 1:
        raise ValueError(f"max_n must be >= 1, got {max_n}.")
    n = X.shape[0]
    if n <= max_n:
        return frozen_copy(X), frozen_copy(Y), False
    idx = np.sort(np.random.default_rng(seed).choice(n, size=max_n, replace=False))
    return frozen_copy(X[idx]), frozen_copy(Y[idx]), True


# -- the surface --------------------------------------------------------------------------------
# Inside loss_surface activations are kept feature-major, (block, width, n): a transpose of the
# (n, width) layout of Network.forward. Reductions over a layer's few units then run along a
# long contiguous axis, which NumPy does far faster than along a short last axis.

def _softmax_units(z: Array) -> Array:
    """activations._softmax over the unit axis of a feature-major (G, k, n) block; overwrites z."""
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z, out=z)
    e /= e.sum(axis=1, keepdims=True)
    return e


def _activate(name: str, z: Array) -> Array:
    act = ACTIVATIONS[name]
    if act.elementwise:
        return act.f(z)
    if name == "softmax":
        return _softmax_units(z)
    raise NotImplementedError(f"loss_surface has no feature-major version of the {name!r} activation.")


def _mse_grid(yt: Array) -> Callable[[Array], Array]:
    def value(a: Array) -> Array:
        d = a - yt
        return 0.5 * np.einsum("gkn,gkn->g", d, d) / yt.shape[1]
    return value


def _bce_grid(yt: Array) -> Callable[[Array], Array]:
    # Terms whose coefficient (y or 1 - y) is 0 add exactly 0 (p is clipped, logs finite): skipped.
    y = yt.ravel()
    pos, neg = np.flatnonzero(y != 0.0), np.flatnonzero(y != 1.0)
    wpos, wneg = y[pos], 1.0 - y[neg]

    def value(a: Array) -> Array:
        flat = a.reshape(a.shape[0], -1)
        s = np.log(np.clip(flat[:, pos], EPS, 1.0 - EPS)) @ wpos
        s += np.log1p(-np.clip(flat[:, neg], EPS, 1.0 - EPS)) @ wneg
        return -s / yt.shape[1]
    return value


def _ce_grid(yt: Array) -> Callable[[Array], Array]:
    # Only entries with y != 0 contribute (one per sample for one-hot targets).
    y = yt.ravel()
    pos = np.flatnonzero(y != 0.0)
    wpos = y[pos]

    def value(a: Array) -> Array:
        flat = a.reshape(a.shape[0], -1)
        return -(np.log(np.clip(flat[:, pos], EPS, None)) @ wpos) / yt.shape[1]
    return value


# Per-grid-point twins of losses.LOSSES[name].value: built from Y.T (k, n), they map a
# feature-major output block (G, k, n) to (G,) losses, computed as losses.py does.
GRID_LOSSES: dict[str, Callable[[Array], Callable[[Array], Array]]] = {
    "mse": _mse_grid, "bce": _bce_grid, "ce": _ce_grid,
}


def _grid_penalty(net: Network, C: Array, wstack: Array) -> Array:
    """Penalty per grid point: C (G, 3) rows [1, alpha, beta], wstack (3, n_weights) -> (G,)."""
    lam, kind = net.spec.reg_rate, net.spec.regularization
    if kind == "none":
        return np.zeros(C.shape[0])
    w = C @ wstack
    if kind == "l2":
        return 0.5 * lam * np.einsum("gk,gk->g", w, w)
    return lam * np.abs(w).sum(axis=1)


def _check_flat(d: Array, n: int, name: str) -> Array:
    d = np.asarray(d, dtype=float)
    if d.shape != (n,):
        raise ValueError(f"{name} must be flat like net.flatten(), shape ({n},); got {d.shape}.")
    return d


def _grid(alphas: Array, betas: Array) -> Array:
    """C (len(betas) * len(alphas), 3): grid point g = i * len(alphas) + j is [1, alphas[j], betas[i]]."""
    return np.column_stack([np.ones(alphas.size * betas.size), np.tile(alphas, betas.size),
                            np.repeat(betas, alphas.size)])


def loss_surface(net: Network, X: Array, Y: Array, d1: Array, d2: Array, alphas: Array, betas: Array,
                 *, origin: Array | None = None, progress: Callable[[float], None] | None = None) -> Array:
    """S (len(betas), len(alphas)) with S[i, j] = loss of
    ``net.unflatten(origin + alphas[j] * d1 + betas[i] * d2)`` on (X, Y), origin defaulting to
    ``net.flatten()``: the data loss plus penalty that ``net.backward`` reports.

    X (n, n_in), Y (n, n_out); d1, d2 (n_params,). Vectorised over the grid (no Python loop per
    point), in blocks of grid points so memory stays bounded. Read-only. Points where the network
    overflows give inf or NaN (no warning); callers drawing S should filter those.
    ``progress``, if given, is called with the fraction of grid points done (0 < f <= 1) after
    each block (for a progress bar; it does not change the numbers).
    """
    n_params = net.spec.n_params
    theta = net.flatten() if origin is None else _check_flat(origin, n_params, "origin")
    stack = np.stack([theta, _check_flat(d1, n_params, "d1"), _check_flat(d2, n_params, "d2")])
    X, Y = np.asarray(X, dtype=float), np.asarray(Y, dtype=float)
    if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] != net.sizes[0] or Y.shape != (X.shape[0], net.sizes[-1]):
        raise ValueError(f"Need X (n >= 1, {net.sizes[0]}) and Y (n, {net.sizes[-1]}); got {X.shape}, {Y.shape}.")
    alphas = np.asarray(alphas, dtype=float).ravel()
    betas = np.asarray(betas, dtype=float).ravel()
    C, n, offs = _grid(alphas, betas), X.shape[0], _offsets(net)
    # Per layer, [W; D1; D2] and [b; e1; e2] as rows of coefficients for [1, alpha, beta].
    Ws = [stack[:, w0:b0].reshape(3, n_in, n_out) for w0, b0, n_in, n_out in offs]
    bs = [stack[:, b0:b0 + n_out] for _, b0, _, n_out in offs]
    wstack = np.concatenate([stack[:, w0:b0] for w0, b0, _, _ in offs], axis=1)
    # First layer, once for the whole grid: (X @ W + b).T, (X @ D1 + e1).T, (X @ D2 + e2).T raveled.
    first = (np.einsum("ni,kio->kon", X, Ws[0]) + bs[0][:, :, None]).reshape(3, -1)
    # Later layers: W.T raveled per row, so [1, alpha, beta] @ it is each grid point's W.T.
    later = [W.transpose(0, 2, 1).reshape(3, -1) for W in Ws[1:]]
    block = max(1, BLOCK_BYTES // (8 * n * max(net.sizes[1:])))
    loss_of = GRID_LOSSES[net.loss](np.ascontiguousarray(Y.T))
    out = np.empty(C.shape[0])
    with np.errstate(all="ignore"):
        for g0 in range(0, C.shape[0], block):
            Cb = C[g0:g0 + block]
            a = _activate(net.activations[0], (Cb @ first).reshape(len(Cb), -1, n))
            for li, Wt in enumerate(later, start=1):
                z = np.matmul((Cb @ Wt).reshape(len(Cb), net.sizes[li + 1], net.sizes[li]), a)
                z += (Cb @ bs[li])[:, :, None]
                a = _activate(net.activations[li], z)
            out[g0:g0 + block] = loss_of(a) + _grid_penalty(net, Cb, wstack)
            if progress is not None:
                progress(min(g0 + block, C.shape[0]) / C.shape[0])
    S = out.reshape(betas.size, alphas.size)
    S.setflags(write=False)
    return S


__all__ = [
    "GRID_LOSSES", "PCADirections", "Plane", "SUBSAMPLE_MAX", "default_range", "filter_normalize", "fit_half_widths",
    "loss_surface", "move_in_plane",
    "param_directions", "param_index", "param_name", "param_plane", "pca_directions", "project",
    "random_directions", "random_plane", "surface_subsample",
]
