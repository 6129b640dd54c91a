"""AppTest of the Compare page: both languages, SGD vs momentum vs Adam on XOR against the core, the 2-to-4
rule, divergence, the cached result and the iteration cap."""

from __future__ import annotations

import base64
import json
import string
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from backprop_core import PRESETS
from backprop_core.compare import run_variants, shared_plane
from backprop_core.config import encode
from backprop_core.session import dataset_for
from ui.strings.compare import STRINGS

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PAGE = "pages/compare.py"
XOR = PRESETS["xor"]


def fresh(params: dict[str, str] | None = None, lang: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    for k, v in (params or {}).items():
        at.query_params[k] = v
    if lang:
        at.query_params["lang"] = lang
    at.switch_page(PAGE).run()  # straight to this page: the Step page never renders here
    ok(at)
    return at


def ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def run_comparison(at: AppTest) -> AppTest:
    at.button(key="compare_run").click().run()
    ok(at)
    return at


def _array(v) -> np.ndarray:
    """A plotly JSON array: a plain list or the typed-array form {'dtype', 'bdata'}."""
    if isinstance(v, dict) and "bdata" in v:
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"])
    return np.asarray(v, dtype=float)


def chart(at: AppTest, key: str) -> dict:
    found = [c for c in at.get("plotly_chart") if c.proto.id.endswith(key)]
    assert len(found) == 1, [c.proto.id for c in at.get("plotly_chart")]
    return json.loads(found[0].proto.spec)


def lines(fig: dict) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """name -> (x, y) of the line traces (the landscape's start circles are markers only)."""
    return {tr["name"]: (_array(tr["x"]), _array(tr["y"])) for tr in fig["data"]
            if tr.get("type") == "scatter" and "lines" in tr.get("mode", "")}


# -- tests ---------------------------------------------------------------------------------------
def test_renders_in_both_languages():
    en = fresh()
    assert en.title[0].value == "Compare runs"
    assert en.button(key="compare_run").label == "Run comparison"
    assert en.multiselect(key="compare_values_optimizer").value == ["sgd", "momentum", "adam"]
    zh = fresh(lang="zh")
    assert zh.title[0].value == "对比训练"
    assert zh.button(key="compare_run").label == "开始对比"
    assert "开始对比" in zh.info[0].value


@pytest.mark.parametrize(("lang", "names"), [("en", ["SGD", "Momentum", "Adam"]),
                                             ("zh", ["SGD 随机梯度下降", "动量法", "Adam"])])
def test_optimizers_on_xor_plot_the_cores_numbers(lang, names):
    at = run_comparison(fresh(lang=lang))
    ds = dataset_for(XOR)
    runs = run_variants(XOR, "optimizer", ["sgd", "momentum", "adam"], 300, ds)  # independent of the page
    curves = lines(chart(at, "compare_curves"))
    assert list(curves) == names
    for name, r in zip(names, runs):
        x, y = curves[name]
        assert x[-1] == 300 and len(y) == 300
        assert y[-1] == r.final_loss  # bit for bit through the JSON
        np.testing.assert_array_equal(y, r.losses)
    assert [m.value for m in at.metric] == [f"{r.final_loss:.4g}" for r in runs]
    # the paths on the landscape end where the core's shared plane puts them
    _, coords = shared_plane(runs)
    paths = lines(chart(at, "compare_landscape"))
    for name, c in zip(names, coords):
        x, y = paths[name]
        np.testing.assert_allclose([x[0], y[0], x[-1], y[-1]], [0, 0, *c[-1]], atol=1e-9)


def test_two_values_at_least():
    at = fresh()
    at.multiselect(key="compare_values_optimizer").set_value(["adam"]).run()
    ok(at)
    assert at.warning[0].value == "Pick at least 2 values: a comparison needs two runs."
    assert at.button(key="compare_run").disabled
    zh = fresh(lang="zh")
    zh.multiselect(key="compare_values_optimizer").set_value([]).run()
    ok(zh)
    assert "至少选择 2 个" in zh.warning[0].value and zh.button(key="compare_run").disabled


def test_four_values_at_most():
    at = fresh()
    at.selectbox(key="compare_setting").select("hidden_act").run()
    ms = at.multiselect(key="compare_values_hidden_act")
    assert ms.proto.max_selections == 4  # the browser stops a fifth choice
    ms.set_value(["sigmoid", "tanh", "relu", "leaky_relu", "linear"]).run()  # forced past the widget
    ok(at)
    assert at.warning[0].value.startswith("At most 4 values")
    assert at.multiselect(key="compare_values_hidden_act").value == ["sigmoid", "tanh", "relu", "leaky_relu"]
    run_comparison(at)
    assert len(at.metric) == 4


def test_a_diverging_learning_rate_is_reported():
    params = {"hidden_act": "relu", "output_act": "linear", "lr": "2.0"}  # only lr x5 diverges from lr 2
    at = fresh(params)
    at.selectbox(key="compare_setting").select("lr").run()
    assert at.multiselect(key="compare_values_lr").value == [0.1, 2.0, 10.0]  # /20, x1, x5 around lr 2
    run_comparison(at)
    base = XOR.replace(hidden_act="relu", output_act="linear", lr=2.0)
    runs = run_variants(base, "lr", [0.1, 2.0, 10.0], 300)
    d = runs[2].diverged
    assert d is not None and runs[0].diverged is None
    assert at.error[0].value == f"Stopped at iteration {d.iteration}: the loss or a weight grew past 10⁸."
    assert any(c.value.startswith("lr 10 shot off the top of the chart") for c in at.caption)
    curves = lines(chart(at, "compare_curves"))
    assert len(curves["lr 10"][1]) == d.iteration - 1 and curves["lr 10"][1][-1] == runs[2].final_loss
    zh = fresh({**params, "lang": "zh"})
    zh.selectbox(key="compare_setting").select("lr").run()
    run_comparison(zh)
    assert zh.error[0].value.startswith(f"在第 {d.iteration} 次迭代停止")


def test_the_result_survives_a_page_switch_without_recomputing():
    at = run_comparison(fresh())
    first = at.session_state["compare_result"]
    at.switch_page("pages/step.py").run()
    at.switch_page(PAGE).run()
    ok(at)
    assert at.session_state["compare_result"] is first  # the same object: nothing was recomputed
    assert len(at.metric) == 3 and not at.info
    at.multiselect(key="compare_values_optimizer").set_value(["sgd", "adam"]).run()
    assert at.info[0].value.startswith("Shown: the last comparison (optimizer: SGD, Momentum, Adam; 300 iterations)")


def test_no_hidden_layer_no_activation_comparison():
    at = fresh({"hidden": ""})
    at.selectbox(key="compare_setting").select("hidden_act").run()
    ok(at)
    assert at.warning[0].value.startswith("This network has no hidden layer")
    assert at.button(key="compare_run").disabled


def test_a_large_network_is_capped_and_says_so():
    cfg = PRESETS["digits"]
    at = fresh(encode(cfg))
    ds = dataset_for(cfg)
    n_params = 64 * 128 + 128 + 128 * 10 + 10
    per_run = 6 * n_params * ds.n_train + 1e6  # full batch: multiply-adds of one iteration plus overhead
    cap = int(1.5e10 // (3 * per_run))
    assert 1 <= cap < 100
    assert any(c.value.startswith(f"This network is large: each run is capped at {cap} iterations (instead of 300)")
               for c in at.caption)


def test_every_string_has_both_languages_with_the_same_placeholders():
    def fields(text: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(text) if f}

    for key, (en, zh) in STRINGS.items():
        assert key.startswith("compare.") and en and zh, key
        assert fields(en) == fields(zh), key
