"""MNIST at the articles' size: the preset trains to >= 92 % test accuracy through the Training page's
"Train N iterations" path, every page loads on it, and the landscape shows its progress while it computes.

The accuracy is checked against a forward pass written out here (ReLU, then softmax's argmax), not
only against the session's own numbers.
"""

from __future__ import annotations

import base64
import json
import threading
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import backprop_core as bp
from backprop_core.config import encode
from backprop_core.landscape import loss_surface, random_directions, surface_subsample
from backprop_core.presets import PRESETS
from ui import landscape_view as lv
from ui import training_view as tv
from ui.i18n import translate
from ui.state import KEY

APP = str(Path(__file__).resolve().parents[1] / "app.py")
MNIST = PRESETS["mnist"]
N_TRAIN = 500  # one of the page's N choices; about 0.6 s here


def hand_accuracy(net: bp.Network, X: np.ndarray, labels: np.ndarray) -> float:
    """Test accuracy of a 784-100-10 ReLU/softmax network, written out: argmax of softmax = argmax of z2."""
    (W1, W2), (b1, b2) = net.weights, net.biases
    z2 = np.maximum(X @ W1 + b1, 0.0) @ W2 + b2
    return float(np.mean(np.argmax(z2, axis=1) == labels))


def test_the_preset_is_the_articles_network():
    assert (MNIST.dataset, MNIST.n_samples, MNIST.hidden, MNIST.hidden_act, MNIST.output_act, MNIST.loss) == (
        "mnist", 5000, (100,), "relu", "softmax", "ce")
    assert (MNIST.optimizer, MNIST.batch, MNIST.batch_size, MNIST.init) == ("sgd", "mini", 64, "he")
    assert MNIST.lr in bp.config.LR_OPTIONS and N_TRAIN in tv.N_CHOICES
    s = bp.Session(MNIST)
    assert s.net.sizes == (784, 100, 10) and s.net.spec.n_params == 79_510
    assert (s.dataset.n_train, s.dataset.n_test) == (4000, 1000)


def test_train_n_iterations_reaches_92_percent_test_accuracy():
    s = bp.Session(MNIST)
    ds = s.dataset
    labels = ds.labels("test")
    assert hand_accuracy(s.net, ds.X_test, labels) < 0.3  # an untrained network guesses
    job = tv.TrainJob(total=N_TRAIN, start=0)
    ticks = 0
    while job.running:  # what the page's live fragment does, one tick at a time
        job = tv.advance(s, job)
        ticks += 1
    assert job.status == "done" and s.iteration == N_TRAIN and ticks > 1
    acc = hand_accuracy(s.net, ds.X_test, labels)
    assert acc >= 0.92, f"test accuracy {acc:.3f} after {N_TRAIN} iterations"
    assert acc == bp.datasets.classification_accuracy(s.net.predict(ds.X_test), ds.Y_test, ds.task)
    shown = tv._latest(s, "test_acc", "acc")  # the page's metric: the last evaluated test accuracy
    assert shown >= 0.92
    # the same numbers as a plain run of the session: the job's chunking changes nothing
    ref = bp.Session(MNIST)
    ref.run(N_TRAIN)
    np.testing.assert_array_equal(ref.net.flatten(), s.net.flatten())


# -- every page on the mnist preset --------------------------------------------------------------------
def open_page(page: str | None, lang: str = "en", step: int = 1) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params.update(encode(MNIST))
    at.query_params["step"] = str(step)
    at.query_params["lang"] = lang
    at.run()
    if page is not None:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    s = at.session_state[KEY].session
    assert (s.dataset.name, s.net.sizes, s.iteration) == ("mnist", (784, 100, 10), step)
    assert not at.session_state[KEY].notices  # the preset's link is accepted as it is
    return at


PAGES = {"step": None, "training": "pages/training.py", "weights": "pages/weights.py",
         "chain_rule": "pages/chain_rule.py", "landscape": "pages/landscape.py"}


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", list(PAGES))
def test_page_loads_on_mnist(name, lang):
    at = open_page(PAGES[name], lang)
    title = {"step": "step.title", "training": "training.title", "weights": "weights.title",
             "chain_rule": "chain.title", "landscape": "landscape.title"}[name]
    assert at.title[0].value == translate(title, lang)


def test_step_back_and_step_on_the_step_page():
    at = open_page(None, step=0)
    click = lambda label: next(b for b in at.button if b.label == label).click().run()  # noqa: E731
    click(translate("step.step", "en"))
    click(translate("step.step", "en"))
    click(translate("step.back", "en"))
    assert not at.exception, [e.value for e in at.exception]
    s = at.session_state[KEY].session
    ref = bp.Session(MNIST)
    ref.run(1)
    assert s.iteration == 1
    np.testing.assert_array_equal(s.net.flatten(), ref.net.flatten())


def test_training_page_shows_mnist_images_and_filters():
    at = open_page("pages/training.py")
    keys = {c.proto.id.rsplit("-", 1)[-1] for c in at.get("plotly_chart")}
    assert {"training_confusion", "training_digits", "training_filters"} <= keys
    assert "training_boundary" not in keys


def _arr(v) -> np.ndarray:
    """A plotly JSON array: a list or a {'dtype', 'bdata', 'shape'} typed array."""
    if isinstance(v, dict) and "bdata" in v:
        a = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
        shape = v.get("shape")
        return a.reshape([int(k) for k in str(shape).split(",")]) if shape else a
    return np.array([[np.nan if x is None else x for x in row] for row in v], dtype=float)


def test_landscape_random_plane_is_the_loss_surface_on_the_fixed_subsample():
    at = open_page("pages/landscape.py")
    at.radio(key="ls_plane").set_value("random").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.get("progress")  # the bar is gone once the surface is there
    s = at.session_state[KEY].session
    X, Y, sub = surface_subsample(s.dataset.X_train, s.dataset.Y_train, seed=0)
    assert sub and X.shape == (512, 784)
    res = lv.default_resolution(s.net, 512)
    assert res == 21  # 41 x 41 would cost more than DEFAULT_FLOPS at this size
    hm = next(d for d in json.loads(at.get("plotly_chart")[0].proto.spec)["data"] if d.get("type") == "heatmap")
    S = _arr(hm["z"])
    start = bp.Session(MNIST).net  # a fixed picture through the start of the run
    d1, d2 = random_directions(start, 0)
    a = np.linspace(-1, 1, res)
    np.testing.assert_allclose(_arr([hm["x"]])[0] if isinstance(hm["x"], list) else _arr(hm["x"]), a, atol=1e-12)
    ref = loss_surface(start, X, Y, d1, d2, a, a)
    np.testing.assert_allclose(S, np.minimum(ref, np.nanmax(S)), rtol=1e-9)  # colours may be capped


# -- the landscape's progress and its shared store ------------------------------------------------------
def test_loss_surface_reports_progress_per_block_without_changing_the_numbers():
    s = bp.Session(MNIST)
    X, Y = s.dataset.X_train[:300], s.dataset.Y_train[:300]
    d1, d2 = random_directions(s.net, 1)
    g = np.linspace(-1, 1, 9)
    seen: list[float] = []
    S = loss_surface(s.net, X, Y, d1, d2, g, g, progress=seen.append)
    np.testing.assert_array_equal(S, loss_surface(s.net, X, Y, d1, d2, g, g))
    assert len(seen) > 1 and seen[-1] == 1.0 and all(0 < a < b for a, b in zip(seen, seen[1:]))
    # one grid point, written out: the loss at origin + a*d1 + b*d2
    net = s.net.unflatten(s.net.flatten() + g[2] * d1 + g[7] * d2)
    assert S[7, 2] == pytest.approx(net.loss_value(X, Y), rel=1e-12)


def test_surface_store_computes_once_is_bounded_and_hands_out_read_only_arrays():
    store = lv.SurfaceStore(2)
    calls = []
    gate = threading.Event()

    def slow():
        calls.append(1)
        gate.wait(5)
        return np.arange(4.0).reshape(2, 2)

    got = []
    threads = [threading.Thread(target=lambda: got.append(store.get(("k",), slow))) for _ in range(4)]
    for th in threads:
        th.start()
    gate.set()
    for th in threads:
        th.join(10)
    assert len(calls) == 1 and len(got) == 4 and all(v is got[0] for v in got)  # four students, one computation
    with pytest.raises(ValueError):
        got[0].setflags(write=True)
    store.get(("a",), lambda: np.zeros(1))
    store.get(("b",), lambda: np.zeros(1))
    assert len(store) == 2 and store._hit(("k",)) is None  # the least recently used went first


def test_progress_bar_shows_the_fraction_then_disappears():
    def script():
        import streamlit as st

        from ui import landscape_view

        bar_ctx = landscape_view.progress_bar("Computing")
        bar = bar_ctx.__enter__()
        bar(0.01)
        bar(0.02)  # under PROGRESS_STEP from the last shown: not sent again
        bar(0.4)
        if st.session_state.get("finish"):
            bar_ctx.__exit__(None, None, None)

    at = AppTest.from_function(script, default_timeout=60)
    at.run()
    (p,) = at.get("progress")
    assert p.proto.value == 40 and p.proto.text == "Computing"
    at.session_state["finish"] = True
    at.run()
    assert not at.get("progress")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_choosing_mnist_in_the_sidebar_takes_all_5000_images_without_a_size_slider(lang):
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["lang"] = lang
    at.run()
    box = at.selectbox(key="w_dataset")
    assert translate("ds.mnist", lang) in box.options
    box.select("mnist").run()
    assert not at.exception, [e.value for e in at.exception]
    s = at.session_state[KEY].session
    assert (s.dataset.name, s.config.n_samples, s.dataset.n_train + s.dataset.n_test) == ("mnist", 5000, 5000)
    assert s.net.sizes[0] == 784
    assert not [w for w in at.slider if w.key in ("w_n_samples", "w_noise")]  # fixed images: no size or noise
    at.selectbox(key="w_preset").select("mnist").run()
    assert not at.exception and at.session_state[KEY].session.config == MNIST
