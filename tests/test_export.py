"""This run as code: the generated NumPy and PyTorch scripts, run in a subprocess, print the Session's
losses (NumPy to 1e-12, PyTorch to 1e-9 over the first 20 iterations), and runs they cannot carry
say why."""

from __future__ import annotations

import ast
import contextlib
import importlib.util
import io
import os
import re
import runpy
import subprocess
import sys
from dataclasses import replace
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

import backprop_core as bp
from backprop_core import export
from backprop_core.config import make_consistent
from backprop_core.datasets import DATASETS

ITERATIONS = 20
LINE = re.compile(r"^iteration\s+(\d+)\s+loss (\S+)$", re.M)
HAS_TORCH = importlib.util.find_spec("torch") is not None
NO_TORCH = "torch is not installed (.ci/run installs torch==2.13.0, the CPU build)"
C = bp.Config


def _csv(rows: int, features: int, seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, features))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    head = ",".join(f"f{j}" for j in range(features)) + ",label\n"
    return (head + "".join(",".join(map(repr, r)) + f",{c}\n" for r, c in zip(X.tolist(), y))).encode()


def _csv_case(rows: int, features: int, **cfg) -> tuple[bp.Config, bp.Dataset]:
    ds = bp.load_csv(_csv(rows, features), test_ratio=0.2, seed=cfg.get("seed", 0), name="upload.csv")
    return C(dataset="csv", **cfg), ds


def _images() -> list[str]:
    return [name for name in DATASETS if export.image_set(name) is not None]


# Presets and settings across optimizers, batch modes, activations, losses, regularisation and bias training.
CASES = {
    "xor": (bp.PRESETS["xor"], None),  # SGD, sigmoid, MSE, full batch
    "worked": (bp.PRESETS["worked"], None),  # the published weights, biases not trained
    "digits_fast": (bp.PRESETS["digits_fast"], None),  # bundled images, ReLU/softmax/CE, Adam, mini-batch
    "spirals": (bp.PRESETS["spirals"], None),  # tanh, BCE, Adam, standardised, full batch
    "moons": (bp.PRESETS["moons"], None),
    "blobs_momentum_softmax_mse_l2": (C(dataset="blobs", hidden=(5,), hidden_act="leaky_relu", output_act="softmax",
                                        loss="mse", optimizer="momentum", lr=0.3, beta=0.8, batch="mini",
                                        batch_size=32, reg="l2", reg_rate=0.01, seed=4), None),
    "sine_single_l1": (C(dataset="sine", hidden=(6,), hidden_act="relu", output_act="linear", loss="mse",
                         optimizer="momentum", lr=0.01, beta=0.5, batch="single", reg="l1", reg_rate=0.001, init="he",
                         seed=2), None),
    "circles_adam_no_biases": (C(dataset="circles", hidden=(6, 4), hidden_act="tanh", output_act="sigmoid",
                                 loss="bce", optimizer="adam", lr=0.02, beta1=0.8, beta2=0.99, eps=1e-6,
                                 batch="mini", batch_size=50, init="uniform", train_biases=False, seed=7), None),
    "digits_subsample_standardized": (C(dataset="digits", n_samples=500, standardize=True, hidden=(16,),
                                        hidden_act="sigmoid", output_act="sigmoid", loss="mse", lr=1.0,
                                        test_ratio=0.3, seed=5), None),
    "digits_wide_blob_weights": (C(dataset="digits", n_samples=1797, hidden=(256,), hidden_act="relu",
                                   output_act="softmax", loss="ce", optimizer="sgd", lr=0.1, batch="mini",
                                   batch_size=128, init="he", seed=1), None),
    "no_hidden_layer": (C(dataset="xor_cloud", hidden=(), output_act="sigmoid", loss="bce", lr=0.5, seed=3), None),
    "csv_literal": _csv_case(60, 3, hidden=(4,), hidden_act="tanh", output_act="sigmoid", loss="bce",
                             optimizer="adam", lr=0.01, seed=2, standardize=True),
    "csv_blob": _csv_case(2600, 9, hidden=(8,), hidden_act="relu", output_act="sigmoid", loss="mse",
                          optimizer="sgd", lr=0.5, batch="mini", batch_size=100, seed=1, standardize=True),
}
for _name in _images():  # every bundled image set (digits; MNIST once it ships) with a small mini-batch net
    CASES[f"images_{_name}"] = (C(dataset=_name, n_samples=DATASETS[_name].n_samples, hidden=(12,),
                                  hidden_act="relu", output_act="softmax", loss="ce", optimizer="adam", lr=0.01,
                                  batch="mini", batch_size=64, init="he", seed=11), None)
TORCH_CASES = ["xor", "worked", "digits_fast", "spirals", "blobs_momentum_softmax_mse_l2", "sine_single_l1",
               "circles_adam_no_biases", "csv_blob"]


def _session(case: str, steps: int = ITERATIONS) -> bp.Session:
    cfg, ds = CASES[case]
    s = bp.Session(cfg, ds)
    assert s.run(steps) == steps
    return s


def _run(text: str, tmp_path, name: str, iterations: int = ITERATIONS) -> tuple[list[float], str]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    args = [sys.executable, str(path), "--iterations", str(iterations)]
    if "--data PATH" in text:
        args += ["--data", str(next(export.image_set(n).path for n in _images() if f'"""The {n} images' in text))]
    out = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=600, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    found = [(int(k), float(v)) for k, v in LINE.findall(out.stdout)]
    assert [k for k, _ in found] == list(range(1, len(found) + 1))
    return [v for _, v in found], out.stdout


def _close(got: list[float], want: np.ndarray, tol: float) -> None:
    assert len(got) == len(want) == ITERATIONS
    err = np.abs(np.array(got) - want) / np.maximum(1.0, np.abs(want))
    assert err.max() <= tol, (err.max(), got[:3], want[:3].tolist())


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_numpy_script_prints_the_sessions_losses(case, tmp_path):
    s = _session(case)
    text = export.numpy_script(export.inputs_of(s))
    assert "backprop_core" not in text.replace("backprop_core/data/", "")  # no import of this package
    got, stdout = _run(text, tmp_path, "run_numpy.py")
    _close(got, s.history.column("loss"), 1e-12)
    assert "final train: loss" in stdout and "the app's loss" in stdout


@pytest.mark.skipif(not HAS_TORCH, reason=NO_TORCH)
@pytest.mark.parametrize("case", TORCH_CASES)
def test_the_torch_script_prints_the_sessions_losses(case, tmp_path):
    s = _session(case)
    text = export.torch_script(export.inputs_of(s))
    assert "nn.Linear(" in text and "torch.optim." in text and "loss_t.backward()" in text
    got, _ = _run(text, tmp_path, "run_torch.py")
    _close(got, s.history.column("loss"), 1e-9)


def test_the_numpy_script_writes_every_layer_out_and_parses():
    s = _session("circles_adam_no_biases", 0)
    text = export.numpy_script(export.inputs_of(s))
    ast.parse(text)
    for line in ("z3 = a2 @ W3 + b3", "a1 = tanh(z1)", "dZ3 = (a3 - yb) / n", "dW1 = a0.T @ dZ1",
                 "dA2 = dZ3 @ W3.T", "mW1 = BETA1 * mW1 + (1.0 - BETA1) * dW1", "BATCH = 50"):
        assert line in text, line
    assert "b1 = b1 -" not in text and "mb1" not in text  # TRAIN_BIASES is False: biases never move
    assert "import torch" not in text


def test_initial_weights_are_embedded_bit_for_bit():
    for case in ("xor", "digits_wide_blob_weights"):  # literals, and the base64 form for > 10,000 numbers
        cfg, ds = CASES[case]
        s = bp.Session(cfg, ds)
        text = export.numpy_script(export.inputs_of(s))
        head = text[:text.index("# -- activations")]
        space: dict = {}
        exec(compile(head, "head", "exec"), space)  # the script's own settings, data and weights
        for i, (w, b) in enumerate(zip(s.net.weights, s.net.biases), start=1):
            assert np.array_equal(space[f"W{i}"], w) and np.array_equal(space[f"b{i}"], b)
        assert ("unpack(" in head) == (case == "digits_wide_blob_weights")


def test_the_bundled_loader_is_checked_against_make_dataset(monkeypatch):
    cfg = bp.PRESETS["digits_fast"]
    ds = bp.Session(cfg).dataset
    export.check(cfg, ds)  # the real loader reproduces the app's split
    wrong = replace(export.image_set("digits"), max_value=15)  # a loader scaling pixels wrongly
    monkeypatch.setattr(export, "image_set", lambda name: wrong if name == "digits" else None)
    export._loader_matches.cache_clear()
    try:
        with pytest.raises(export.ExportError) as err:
            export.numpy_script(export.ScriptInputs(cfg, ds, 5))
        assert err.value.code == "loader_mismatch"
    finally:
        export._loader_matches.cache_clear()


def test_data_too_large_to_embed_says_why():
    rng = np.random.default_rng(0)  # single-digit cells: 305,000 numbers in 0.6 MB, an upload the app takes
    cells = rng.integers(0, 10, size=(5000, 61))
    cells[:, -1] %= 2
    text = ",".join(f"c{j}" for j in range(61)) + "\n" + "\n".join(",".join(map(str, r)) for r in cells.tolist())
    ds = bp.load_csv(text.encode(), test_ratio=0.2)
    cfg = C(dataset="csv", hidden=(4,))
    with pytest.raises(export.ExportError) as err:
        export.check(cfg, ds)
    assert err.value.code == "data_too_large" and "run file" in str(err.value)
    assert err.value.params["numbers"] == f"{5000 * 61:,}"
    with pytest.raises(export.ExportError):
        export.torch_script(export.ScriptInputs(cfg, ds, 5))


def test_run_differs_names_what_a_script_cannot_replay():
    s = bp.Session(bp.PRESETS["xor"])
    s.run(3)
    assert export.run_differs(s) is None
    s.apply_config(replace(s.config, lr=0.5))
    s.run(2)
    assert export.run_differs(s) == ("changed", {"iteration": 4})
    assert export.inputs_of(s).app_losses == ()  # the app's losses are only quoted for this very run
    s.reset()
    assert export.run_differs(s) is None
    s.move_to(s.net.with_params([w * 2 for w in s.net.weights], s.net.biases))
    assert export.run_differs(s) == ("edited", {})
    saved = bp.Session(bp.PRESETS["xor"])
    saved.run(4)
    from backprop_core import runfile
    assert export.run_differs(runfile.load_run(runfile.run_json(saved).encode())) == ("loaded", {})


def test_inputs_quote_the_apps_first_and_last_loss():
    s = _session("xor", 7)
    inputs = export.inputs_of(s)
    loss = s.history.column("loss")
    assert inputs.iterations == 7 and inputs.app_losses == ((1, float(loss[0])), (7, float(loss[6])))
    assert export.inputs_of(bp.Session(bp.PRESETS["xor"])).iterations == export.DEFAULT_ITERATIONS


def test_a_diverging_run_stops_where_the_app_stops(tmp_path):
    cfg = C(dataset="sine", hidden=(8,), hidden_act="relu", output_act="linear", loss="mse", lr=10.0, seed=1)
    s = bp.Session(cfg)
    taken = s.run(50)
    assert s.diverged is not None and taken < 50
    got, stdout = _run(export.numpy_script(export.inputs_of(s)), tmp_path, "div.py", iterations=50)
    assert len(got) == taken and f"training stopped at iteration {taken + 1}" in stdout
    assert np.allclose(got, s.history.column("loss"), rtol=1e-12, atol=0)


def _run_in_process(text: str, tmp_path, iterations: int, data: str | None = None) -> list[float]:
    """The script run by runpy in this process (a subprocess per hypothesis example would be slow)."""
    path = tmp_path / "combo.py"
    path.write_text(text, encoding="utf-8")
    argv = [str(path), "--iterations", str(iterations)] + (["--data", data] if data else [])
    buf = io.StringIO()
    with mock.patch.object(sys, "argv", argv), contextlib.redirect_stdout(buf), np.errstate(all="ignore"):
        runpy.run_path(str(path), run_name="__main__")
    return [float(v) for _, v in LINE.findall(buf.getvalue())]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=hs.sampled_from(sorted(DATASETS)), hidden=hs.lists(hs.integers(1, 5), max_size=3),
       hidden_act=hs.sampled_from(bp.HIDDEN_ACTIVATIONS), output_act=hs.sampled_from(sorted(bp.ACTIVATIONS)),
       loss=hs.sampled_from(sorted(bp.LOSSES)), optimizer=hs.sampled_from(sorted(bp.OPTIMIZERS)),
       lr=hs.sampled_from((0.001, 0.03, 0.5)), batch=hs.sampled_from(("full", "mini", "single")),
       batch_size=hs.sampled_from((2, 16, 64)), reg=hs.sampled_from(bp.REGULARIZATIONS),
       init=hs.sampled_from(bp.INITS), train_biases=hs.booleans(), standardize=hs.booleans(),
       test_ratio=hs.sampled_from((0.0, 0.25)), n_samples=hs.sampled_from((20, 60)), seed=hs.integers(0, 50))
def test_any_settings_the_app_can_make_export_exactly(tmp_path, data, hidden, **kw):
    """Every combination the sidebar can make (repaired by make_consistent, as the app does) either
    exports a NumPy script that prints the Session's losses, or says why not."""
    cfg, _ = make_consistent(C(dataset=data, hidden=tuple(hidden), reg_rate=0.01, **kw))
    s = bp.Session(cfg)
    k = s.run(5)
    images = export.image_set(cfg.dataset)
    got = _run_in_process(export.numpy_script(export.inputs_of(s)), tmp_path, 5, images and str(images.path))
    want = s.history.column("loss")
    assert len(got) == k  # a diverging run stops where the app stops
    assert np.allclose(got, want, rtol=1e-12, atol=1e-12), (cfg, got, want.tolist())
