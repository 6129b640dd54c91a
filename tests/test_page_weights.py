"""The Weights page: heatmaps of W, dL/dW and ΔW are the run's numbers (checked against central
differences and the update rule), chosen weights follow the run, both languages render."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import backprop_core as bp
from backprop_core.config import encode
from backprop_core.presets import PRESETS
from ui import weights_view as wv
from ui.i18n import translate

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PAGE = "pages/weights.py"


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
    hits = [c for c in at.get("plotly_chart") if c.proto.id.endswith(f"-{key}")]
    assert len(hits) == 1, f"expected one chart {key}, got {len(hits)}"
    return json.loads(hits[0].proto.spec)


def arr(v) -> np.ndarray:
    """A plotly JSON array (plain list, or base64 typed array) as float NumPy (null -> NaN)."""
    if isinstance(v, dict) and "bdata" in v:
        a = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]).newbyteorder("<"))
        return a.reshape([int(s) for s in str(v["shape"]).split(",")]) if "shape" in v else a.astype(float)
    return np.array(v, dtype=float)


def replay(cfg: bp.Config, k: int) -> bp.Session:
    s = bp.Session(cfg)
    s.run(k)
    return s


# -- names (pure) ------------------------------------------------------------------------------------
def test_weight_names_round_trip_and_reject_what_does_not_fit():
    net = bp.Session(PRESETS["xor"]).net  # 2-3-1
    names = wv.all_names(net)
    assert len(names) == 2 * 3 + 3 * 1 and names[0] == "W⁽¹⁾[1, 1]" and names[-1] == "W⁽²⁾[3, 1]"
    assert [wv.parse_name(n, net) for n in ("W⁽¹⁾[2, 3]", "W⁽²⁾[3, 1]")] == [(0, 1, 2), (1, 2, 0)]
    for bad in ("W⁽¹⁾[3, 1]", "W⁽³⁾[1, 1]", "W⁽⁰⁾[1, 1]", "W⁽¹⁾[1, 4]", "b1[1]", "W1[1, 1]", "W1[1,1]"):
        assert wv.parse_name(bad, net) is None, bad
    assert wv.default_names(net, np.zeros((1, 13))) == ["W⁽¹⁾[1, 1]", "W⁽²⁾[1, 1]"]  # nothing moved yet


def test_weight_series_reads_the_flat_parameter_layout():
    s = replay(PRESETS["xor"], 3)
    its, P = s.trajectory()
    series = wv.weight_series(s.net, P, ["W⁽¹⁾[2, 3]", "W⁽²⁾[1, 1]"])
    for k in range(4):  # each checkpoint's weights, from a separate replay
        w = replay(PRESETS["xor"], int(its[k])).net.weights
        assert series["W⁽¹⁾[2, 3]"][k] == w[0][1, 2] and series["W⁽²⁾[1, 1]"][k] == w[1][0, 0]


# -- the page ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("preset", ["xor", "spirals", "digits_fast"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_page_renders_in_both_languages(preset, lang):
    at = open_page(PRESETS[preset], step=3, lang=lang)
    assert at.title[0].value == translate("weights.title", lang)
    keys = {c.proto.id.rsplit("-", 1)[-1] for c in at.get("plotly_chart")}
    assert keys == {"weights_w", "weights_grad", "weights_delta", "weights_lines"}
    grad = chart(at, "weights_grad")
    assert grad["layout"]["title"]["text"] == translate("weights.fig.grad_title", lang)
    n_layers = session(at).net.n_layers
    assert [d["name"] for d in chart(at, "weights_w")["data"]][0].startswith("W1 (")
    assert len(chart(at, "weights_w")["data"]) == n_layers


def test_heatmaps_are_w_the_gradient_and_the_update():
    cfg = PRESETS["xor"]
    at = open_page(cfg, step=6)
    before, after = replay(cfg, 5), replay(cfg, 6)
    grads = bp.numeric_gradient(before.net, before.dataset.X_train, before.dataset.Y_train)  # central differences
    lr = cfg.lr
    offset = 0
    w_traces, g_traces, d_traces = (chart(at, k)["data"] for k in ("weights_w", "weights_grad", "weights_delta"))
    for layer, (W_old, W_new) in enumerate(zip(before.net.weights, after.net.weights)):
        n = W_old.size
        np.testing.assert_array_equal(arr(w_traces[layer]["z"]), W_new)
        dW = grads[offset:offset + n].reshape(W_old.shape)
        np.testing.assert_allclose(arr(g_traces[layer]["z"]), dW, rtol=1e-5, atol=1e-9)
        np.testing.assert_allclose(arr(d_traces[layer]["z"]), W_new - W_old, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(arr(d_traces[layer]["z"]), -lr * arr(g_traces[layer]["z"]), rtol=1e-9)  # SGD
        offset += n + W_old.shape[1]  # the layer's biases follow its weights
    # the record's own gradient, exactly
    rec = session(at).record
    for layer, tr in enumerate(g_traces):
        np.testing.assert_array_equal(arr(tr["z"]), rec.backward.layers[layer].dW)
    # one symmetric scale per quantity, shared across layers
    top = max(float(np.abs(lb.dW).max()) for lb in rec.backward.layers)
    assert {(t["zmin"], t["zmax"], t["zmid"]) for t in g_traces} == {(-top, top, 0.0)}


def test_before_any_step_only_w_is_shown_with_a_hint():
    at = open_page(PRESETS["spirals"], step=0, lang="zh")
    keys = {c.proto.id.rsplit("-", 1)[-1] for c in at.get("plotly_chart")}
    assert keys == {"weights_w", "weights_lines"}
    assert any(i.value == translate("weights.no_record", "zh") for i in at.info)
    np.testing.assert_array_equal(arr(chart(at, "weights_w")["data"][1]["z"]), session(at).net.weights[1])


def test_chosen_weights_follow_the_run():
    cfg = PRESETS["xor"]
    at = open_page(cfg, step=5)
    lines = chart(at, "weights_lines")["data"]
    w0, w5 = replay(cfg, 0).net.weights, replay(cfg, 5).net.weights
    most = [np.unravel_index(np.argmax(np.abs(b - a)), a.shape) for a, b in zip(w0, w5)]
    assert [d["name"] for d in lines] == [f"W⁽{'¹²³'[l]}⁾[{i + 1}, {j + 1}]" for l, (i, j) in enumerate(most)]
    at.multiselect(key=wv.PICK_KEY).set_value(["W⁽¹⁾[2, 3]", "W⁽²⁾[3, 1]"]).run()
    lines = {d["name"]: d for d in chart(at, "weights_lines")["data"]}
    assert set(lines) == {"W⁽¹⁾[2, 3]", "W⁽²⁾[3, 1]"}
    for k in range(6):
        w = replay(cfg, k).net.weights
        assert arr(lines["W⁽¹⁾[2, 3]"]["y"])[k] == w[0][1, 2] and arr(lines["W⁽²⁾[3, 1]"]["y"])[k] == w[1][2, 0]
    np.testing.assert_array_equal(arr(lines["W⁽¹⁾[2, 3]"]["x"]), np.arange(6))


def test_big_network_picker_adds_a_weight_and_long_runs_say_they_are_thinned():
    cfg = PRESETS["digits_fast"]
    at = open_page(cfg, step=120)
    s = session(at)
    assert sum(w.size for w in s.net.weights) > wv.MAX_LISTED
    at.number_input(key="weights_i").set_value(3).run()
    at.number_input(key="weights_j").set_value(4).run()
    at.button(key="weights_add").click().run()
    lines = {d["name"]: d for d in chart(at, "weights_lines")["data"]}
    assert "W⁽¹⁾[3, 4]" in lines
    its, P = s.trajectory()
    assert len(its) < 121  # checkpoints are thinned for this network
    np.testing.assert_array_equal(arr(lines["W⁽¹⁾[3, 4]"]["x"]), its)
    assert arr(lines["W⁽¹⁾[3, 4]"]["y"])[-1] == s.net.weights[0][2, 3]
    assert any(translate("weights.thinned", "en", m=len(its), n=121) == c.value for c in at.caption)
