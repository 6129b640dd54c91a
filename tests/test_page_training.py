"""The Training page: the chunked "Train N iterations" job (pure logic and through AppTest), the plotted
numbers against independent computations, divergence, and both languages on the main presets."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import backprop_core as bp
from backprop_core.config import encode
from backprop_core.datasets import predicted_classes
from backprop_core.presets import PRESETS
from ui import training_view as tv
from ui.i18n import translate
from viz import training as vt

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PAGE = "pages/training.py"
DIVERGES = PRESETS["xor"].replace(hidden_act="relu", output_act="linear", lr=10.0)  # explodes at iteration 6


# -- helpers ------------------------------------------------------------------------------------------
def open_page(cfg: bp.Config, step: int = 0, lang: str = "en") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(encode(cfg))
    at.query_params["step"] = str(step)
    at.query_params["lang"] = lang
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def session(at: AppTest) -> bp.Session:
    return at.session_state["_backprop_lab"].session


def chart(at: AppTest, key: str) -> dict:
    """The plotly spec (JSON) of the chart with this key."""
    hits = [c for c in at.get("plotly_chart") if c.proto.id.endswith(f"-{key}")]
    assert len(hits) == 1, f"expected one chart {key}, got {len(hits)}"
    return json.loads(hits[0].proto.spec)


def arr(v) -> np.ndarray:
    """A plotly JSON array (plain list, or base64 typed array) as float NumPy (null -> NaN)."""
    if isinstance(v, dict) and "bdata" in v:
        a = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]).newbyteorder("<"))
        return a.reshape([int(s) for s in str(v["shape"]).split(",")]) if "shape" in v else a.astype(float)
    return np.array(v, dtype=float)


def traces(spec: dict, kind: str) -> list[dict]:
    return [d for d in spec["data"] if d.get("type", "scatter") == kind]


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


class FakeClock:
    """Each reading advances by ``per_call`` seconds: a chunk 'takes' that long, whatever its size."""

    def __init__(self, per_call: float) -> None:
        self.now, self.per_call = 0.0, per_call

    def __call__(self) -> float:
        self.now += self.per_call
        return self.now


# -- the job, as a pure function ---------------------------------------------------------------------
def test_first_chunk_is_small_and_respects_the_flop_budget():
    assert tv.first_chunk(312.0) == tv.FIRST_CHUNK_MAX  # XOR: 6 * 13 params * 4 samples
    assert tv.first_chunk(tv.TICK_FLOPS / 3.5) == 3
    assert tv.first_chunk(1e15) == 1


def test_next_chunk_aims_at_the_target_time_within_growth_limits():
    assert tv.next_chunk(10, 0.05, 10, target=0.1) == 20  # 10 took half the target: twice as many
    assert tv.next_chunk(100, 1.0, 100, target=0.1) == 25  # 10x too slow, but shrink at most 4x
    assert tv.next_chunk(10, 0.001, 10, target=0.1) == 40  # 100x too fast, grow at most 4x
    assert tv.next_chunk(5, 0.0, 5) == 20  # no measurable time: grow by the limit
    assert tv.next_chunk(1, 10.0, 1) == 1  # never below one iteration


def test_advance_runs_the_job_to_completion_in_several_ticks_and_matches_a_plain_run():
    cfg = PRESETS["xor"]
    s = bp.Session(cfg)
    s.run(7)
    job = tv.TrainJob(total=500, start=7)
    clock = FakeClock(0.5 * tv.TICK_TARGET)  # every chunk takes half a tick: chunks double each time
    chunks = []
    while job.running:
        before = s.iteration
        job = tv.advance(s, job, clock)
        chunks.append(s.iteration - before)
    assert job.status == "done" and job.done == 500 and job.fraction == 1.0
    assert chunks == [20, 40, 80, 160, 200]  # doubling, the last one cut to what remains
    ref = bp.Session(cfg)
    ref.run(507)
    np.testing.assert_array_equal(s.net.flatten(), ref.net.flatten())
    assert tv.advance(s, job, clock) == job and s.iteration == 507  # a finished job does nothing


def test_stopped_job_does_nothing_and_keeps_what_was_trained():
    s = bp.Session(PRESETS["xor"])
    job = tv.advance(s, tv.TrainJob(total=5000, start=0), FakeClock(0.01))
    assert job.running and s.iteration == job.done == tv.FIRST_CHUNK_MAX
    stopped = tv.TrainJob(**{**job.__dict__, "status": "stopped"})
    assert tv.advance(s, stopped, FakeClock(0.01)) == stopped
    assert s.iteration == tv.FIRST_CHUNK_MAX


def test_job_stops_on_divergence_and_when_the_run_changes_under_it():
    s = bp.Session(DIVERGES)
    job = tv.advance(s, tv.TrainJob(total=100, start=0), FakeClock(0.01))
    assert job.status == "diverged" and job.done == s.iteration == 5
    assert s.diverged is not None and s.diverged.iteration == 6
    s2 = bp.Session(PRESETS["xor"])
    job = tv.advance(s2, tv.TrainJob(total=100, start=0), FakeClock(0.01))
    s2.reset()  # e.g. Reset pressed, or a new dataset chosen, while the job runs
    assert tv.advance(s2, job, FakeClock(0.01)).status == "interrupted" and s2.iteration == 0


def test_plane_kind_and_predicted_classes():
    assert tv.plane_kind(bp.Session(PRESETS["xor"]).dataset) == "2d"
    assert tv.plane_kind(bp.Session(PRESETS["digits_fast"]).dataset) is None
    sine = bp.Session(bp.Config(dataset="sine", hidden=(4,), output_act="linear", loss="mse")).dataset
    assert tv.plane_kind(sine) == "1d"
    out = np.array([[0.2], [0.7], [np.nan]])
    np.testing.assert_array_equal(predicted_classes(out, "binary"), [0, 1, 0])
    multi = np.array([[0.1, 0.5, 0.4], [0.9, 0.05, 0.05]])
    np.testing.assert_array_equal(predicted_classes(multi, "multiclass"), [1, 0])


def test_every_figure_label_is_translated():
    from ui.strings import STRINGS

    tables = {"curves": vt.CURVE_LABELS, "boundary": vt.BOUNDARY_LABELS, "units": vt.UNITS_LABELS,
              "health": vt.HEALTH_LABELS, "confusion": vt.CONFUSION_LABELS, "digits": vt.DIGIT_LABELS}
    for name, table in tables.items():
        for key, english in table.items():
            en, zh = STRINGS[f"training.fig.{name}.{key}"]
            assert en and zh, (name, key)
            for field in ("{n}", "{l}", "{j}", "{k}", "{cls}", "{pred}", "{m}"):  # placeholders survive
                assert (field in english) == (field in en) == (field in zh), (name, key, field)


# -- the page ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("preset", ["xor", "spirals", "digits_fast"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_page_renders_in_both_languages(preset, lang):
    at = open_page(PRESETS[preset], step=3, lang=lang)
    assert at.title[0].value == translate("training.title", lang)
    keys = {c.proto.id.rsplit("-", 1)[-1] for c in at.get("plotly_chart")}
    assert {"training_loss", "training_acc", "training_grad_health", "training_unit_health",
            "training_confusion"} <= keys
    assert ("training_boundary" in keys) == (preset != "digits_fast")
    assert ("training_digits" in keys) == ("training_filters" in keys) == (preset == "digits_fast")
    loss = chart(at, "training_loss")
    assert loss["layout"]["title"]["text"] == translate("training.fig.curves.loss_title", lang)


def test_decision_boundary_is_the_network_output_on_the_grid():
    at = open_page(PRESETS["xor"], step=40)
    s = session(at)
    ref = bp.Session(PRESETS["xor"])
    ref.run(40)
    np.testing.assert_array_equal(s.net.flatten(), ref.net.flatten())
    heat = traces(chart(at, "training_boundary"), "heatmap")[0]
    xx, yy, z = arr(heat["x"]), arr(heat["y"]), arr(heat["z"])
    # hand-written forward pass of the 2-3-1 sigmoid network on every grid point
    (W1, W2), (b1, b2) = ref.net.weights, ref.net.biases
    gx, gy = np.meshgrid(xx, yy)
    G = np.column_stack([gx.ravel(), gy.ravel()])
    hand = sigmoid(sigmoid(G @ W1 + b1) @ W2 + b2)[:, 0].reshape(len(yy), len(xx))
    np.testing.assert_allclose(z, hand, rtol=1e-12, atol=1e-14)
    assert xx[0] == pytest.approx(-0.5) and xx[-1] == pytest.approx(1.5)  # the 4 points plus the margin
    # each hidden unit's panel: sigmoid(G @ W1 + b1)[:, j] on every other grid point
    units = traces(chart(at, "training_units"), "heatmap")
    assert len(units) == 3
    sub = G.reshape(len(yy), len(xx), 2)[::2, ::2].reshape(-1, 2)
    for j, tr in enumerate(units):
        np.testing.assert_allclose(arr(tr["z"]).ravel(), sigmoid(sub @ W1 + b1)[:, j], rtol=1e-12)


def test_curves_confusion_and_health_are_the_core_numbers():
    at = open_page(PRESETS["spirals"], step=30)
    s = session(at)
    loss = [d for d in chart(at, "training_loss")["data"] if d["name"] == "training loss"][0]
    np.testing.assert_array_equal(arr(loss["y"]), s.history.column("loss"))
    np.testing.assert_array_equal(arr(loss["x"]), np.arange(1, 31))
    # confusion matrix: hand-counted from the network's test predictions
    ds = s.dataset
    pred = (s.net.predict(ds.X_test)[:, 0] > 0.5).astype(int)
    true = ds.labels("test")
    hand = np.array([[np.sum((true == a) & (pred == b)) for b in (0, 1)] for a in (0, 1)])
    np.testing.assert_array_equal(arr(chart(at, "training_confusion")["data"][0]["z"]), hand)
    # gradient norm of layer 1 at the last iteration = ||dW1|| of the last record
    grad = chart(at, "training_grad_health")["data"][0]
    assert arr(grad["y"])[-1] == pytest.approx(np.linalg.norm(s.record.backward.layers[0].dW), rel=1e-12)


def test_digits_images_and_filters_show_the_test_set_and_first_layer():
    at = open_page(PRESETS["digits_fast"], step=10, lang="zh")
    s = session(at)
    ds = s.dataset
    digits = chart(at, "training_digits")
    z = arr(digits["data"][0]["z"])
    r0, c0 = vt.tile_origin(5, 8, 8)
    np.testing.assert_array_equal(z[r0:r0 + 8, c0:c0 + 8], ds.X_test[5].reshape(8, 8))
    assert np.sum(np.isfinite(z)) == 64 * tv.DIGITS_SHOWN  # 24 tiles, blank between
    out = s.net.predict(ds.X_test[:tv.DIGITS_SHOWN])
    title = digits["layout"]["annotations"][5]["text"]
    assert f"{out[5].max():.0%}" in title and str(int(out[5].argmax())) in title
    z = arr(chart(at, "training_filters")["data"][0]["z"])
    r0, c0 = vt.tile_origin(7, 8, 8)
    np.testing.assert_array_equal(z[r0:r0 + 8, c0:c0 + 8], np.asarray(s.net.weights[0])[:, 7].reshape(8, 8))
    cm = arr(chart(at, "training_confusion")["data"][0]["z"])
    right = np.sum(s.net.predict(ds.X_test).argmax(axis=1) == ds.labels("test"))
    assert cm.shape == (10, 10) and cm.sum() == ds.n_test and np.trace(cm) == right


def run_until_idle(at: AppTest, max_runs: int = 200) -> int:
    """Rerun (each rerun runs the fragment once, as a tick would) until the job is over; returns runs."""
    for k in range(max_runs):
        job = at.session_state[tv.JOB_KEY]
        if not job.running:
            return k
        at.run()
        assert not at.exception, at.exception
    raise AssertionError("the job did not finish")


def test_train_n_runs_to_completion_across_ticks():
    at = open_page(PRESETS["xor"], step=3)
    at.selectbox(key="training_n").select(500).run()
    at.button(key="training_start").click().run()
    job = at.session_state[tv.JOB_KEY]
    assert job.total == 500 and job.start == 3 and job.done >= 1
    run_until_idle(at)
    job = at.session_state[tv.JOB_KEY]
    assert job.status == "done" and job.done == 500
    s = session(at)
    ref = bp.Session(PRESETS["xor"])
    ref.run(503)
    np.testing.assert_array_equal(s.net.flatten(), ref.net.flatten())
    assert at.query_params["step"] in ("503", ["503"])  # the link follows the run
    loss = [d for d in chart(at, "training_loss")["data"] if d["name"] == "training loss"][0]
    assert arr(loss["x"])[-1] == 503


def test_stop_keeps_what_was_trained_and_ends_the_job():
    at = open_page(PRESETS["xor"])
    at.selectbox(key="training_n").select(5000).run()
    at.button(key="training_start").click().run()
    done = at.session_state[tv.JOB_KEY].done
    assert 0 < done < 5000
    at.button(key="training_stop").click().run()
    job = at.session_state[tv.JOB_KEY]
    assert job.status == "stopped" and session(at).iteration == job.done == done
    at.run()
    assert session(at).iteration == done
    assert any("Stopped after" in i.value for i in at.info)


def test_divergence_stops_training_with_the_message_and_no_nan_in_charts():
    at = open_page(DIVERGES)
    at.button(key="training_start").click().run()
    run_until_idle(at)
    job = at.session_state[tv.JOB_KEY]
    assert job.status == "diverged" and session(at).iteration == 5
    assert any("Training stopped at iteration 6" in e.value for e in at.error)
    assert at.button(key="training_start").disabled
    for c in at.get("plotly_chart"):
        for d in json.loads(c.proto.spec)["data"]:
            if d.get("type", "scatter") in ("scatter", "scattergl"):
                for axis in ("x", "y"):
                    assert np.all(np.isfinite(arr(d[axis]))), c.proto.id
            else:
                assert not np.isinf(arr(d["z"])).any(), c.proto.id
