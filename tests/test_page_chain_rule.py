"""The Chain-rule page in AppTest: the numbers it prints against Mazur's published worked example and
a hand-written NumPy backprop, its central-difference check, the selectors and the diagram click."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from backprop_core import PRESETS, Session
from backprop_core.config import encode
from ui.chain_view import Pick, highlight, pick_from_click
from viz import network

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGE = "pages/chain_rule.py"
WORKED = {"dataset": "worked", "hidden": "2", "init": "worked", "train_biases": "0", "test_ratio": "0",
          "loss": "mse", "lr": "0.5"}
NUM = r"-?\d+(?:\.\d+)?(?:\\times10\^\{-?\d+\})?"


def num(s: str) -> float:
    s = s.strip()
    if r"\times10^{" in s:
        m, e = s.split(r"\times10^{")
        return float(m) * 10.0 ** int(e.rstrip("}"))
    return float(s)


def page(params: dict[str, str] | None = None, **state) -> AppTest:
    """A fresh app, switched to this page (params: the link's query; state: session state set after
    the first run, e.g. lang, which AppTest cannot carry through the Step page's translated options)."""
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in (params or {}).items():
        at.query_params[k] = v
    at.run()
    for k, v in state.items():
        at.session_state[k] = v
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def latex(at: AppTest) -> str:
    return "\n".join(e.value for e in at.latex)


def result(at: AppTest) -> tuple[str, float, float, float]:
    """(parameter symbol, dL/dp, old, new) from the page's two result lines."""
    head = rf"\$\$\s*\\large \\frac{{\\partial L}}{{\\partial (.+?)}} = ({NUM})\s*\$\$"
    grad = next(m for e in at.latex if (m := re.fullmatch(head, e.value)))
    step = next(m for e in at.latex if (m := re.search(rf":\\; ({NUM}) \\;\\longrightarrow\\; ({NUM})", e.value)))
    return grad.group(1), num(grad.group(2)), num(step.group(1)), num(step.group(2))


def metric(at: AppTest, start: str) -> float:
    return float(next(m.value for m in at.metric if m.label.startswith(start)))


# -- an independent reference: plain NumPy backprop for sigmoid layers and the mean squared error ------
def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def reference_grads(Ws, bs, X, Y):
    """dW, db per layer of L = mean over samples of 0.5 * sum_k (a_k - y_k)^2, all layers sigmoid."""
    acts = [X]
    for W, b in zip(Ws, bs):
        acts.append(sigmoid(acts[-1] @ W + b))
    delta = (acts[-1] - Y) / len(X) * acts[-1] * (1 - acts[-1])
    dWs, dbs = [], []
    for k in range(len(Ws) - 1, -1, -1):
        dWs.insert(0, acts[k].T @ delta)
        dbs.insert(0, delta.sum(axis=0))
        if k:
            delta = delta @ Ws[k].T * acts[k] * (1 - acts[k])
    return dWs, dbs


# -- the worked example ---------------------------------------------------------------------------------
def test_worked_example_after_one_step_shows_mazurs_numbers():
    at = page(WORKED)
    preview = latex(at)
    assert "0.082167041" in preview and "0.35891648" in preview  # before Step: a preview of iteration 1
    at.button(key="chain_step").click().run()
    assert not at.exception
    text = latex(at)
    sym, g, old, new = result(at)
    assert sym == "W^{(2)}_{11}" and "0.082167041" in text and "0.35891648" in text
    Ws = [np.array([[0.15, 0.25], [0.20, 0.30]]), np.array([[0.40, 0.50], [0.45, 0.55]])]
    bs = [np.array([0.35, 0.35]), np.array([0.60, 0.60])]
    dWs, _ = reference_grads(Ws, bs, np.array([[0.05, 0.10]]), np.array([[0.01, 0.99]]))
    assert g == pytest.approx(dWs[1][0, 0], rel=1e-8) and old == 0.4
    assert new == pytest.approx(0.4 - 0.5 * dWs[1][0, 0], rel=1e-8)
    assert "Iteration 1" in at.info[0].value
    # the central difference agrees with the reference to ~1e-7 relative, and says so
    assert metric(at, "ĝ") == pytest.approx(dWs[1][0, 0], rel=1e-7)
    assert metric(at, "g:") == pytest.approx(dWs[1][0, 0], rel=1e-9)
    assert metric(at, "Relative") < 1e-7 and at.success


def test_worked_example_in_chinese():
    at = page(WORKED, lang="zh")
    assert at.title[0].value == "单个权重的链式法则"
    assert "0.082167041" in latex(at)
    assert any("中心差分" in m.label for m in at.metric)
    assert not any("Central" in m.label for m in at.metric)


def test_bias_selection():
    at = page(WORKED)
    at.radio(key="chain_kind").set_value("b").run()
    at.selectbox(key="chain_layer").set_value(1).run()
    at.selectbox(key="chain_j").set_value(1).run()
    assert not at.exception
    Ws = [np.array([[0.15, 0.25], [0.20, 0.30]]), np.array([[0.40, 0.50], [0.45, 0.55]])]
    bs = [np.array([0.35, 0.35]), np.array([0.60, 0.60])]
    _, dbs = reference_grads(Ws, bs, np.array([[0.05, 0.10]]), np.array([[0.01, 0.99]]))
    sym, g, old, new = result(at)
    assert sym == "b^{(1)}_{2}" and g == pytest.approx(dbs[0][1], rel=1e-7)
    assert old == new == 0.35  # the worked preset does not train biases
    assert r"\partial b^{(1)}_{2}} = 1" in latex(at)
    assert metric(at, "ĝ") == pytest.approx(dbs[0][1], rel=1e-6)


# -- XOR: a hidden weight over a batch of four ----------------------------------------------------------------
def test_hidden_weight_on_xor_with_sample_selector():
    at = page()
    at.selectbox(key="chain_layer").set_value(1).run()
    at.selectbox(key="chain_i").set_value(1).run()
    at.selectbox(key="chain_j").set_value(2).run()
    at.number_input(key="chain_sample").set_value(3).run()
    assert not at.exception
    s = Session(PRESETS["xor"])
    X, Y = s.dataset.X_train, s.dataset.Y_train
    dWs, _ = reference_grads(s.net.weights, s.net.biases, X, Y)
    sym, g, old, _ = result(at)
    assert sym == "W^{(1)}_{23}" and g == pytest.approx(dWs[0][1, 2], rel=1e-7)
    assert old == pytest.approx(s.net.weights[0][1, 2], rel=1e-7)
    assert metric(at, "ĝ") == pytest.approx(dWs[0][1, 2], rel=1e-6)
    text = latex(at)
    assert r"\sum_{k=1}^{1}" in text and r"\sum_{s=1}^{4}" in text  # one output unit; four samples
    assert r"\Big|_{s=3}" in text
    # sample 3's factor dL/da: its own dL/dz of the output times W^{(2)}_{31}
    a1 = sigmoid(X @ s.net.weights[0] + s.net.biases[0])
    a2 = sigmoid(a1 @ s.net.weights[1] + s.net.biases[1])
    dz2 = (a2 - Y) / 4 * a2 * (1 - a2)
    d_a = next(e.value for e in at.latex if r"\partial a^{(1)}_{3}}\Big|_{s=3}" in e.value)
    assert num(d_a.removesuffix("\n$$").removesuffix(r"\end{aligned}").rsplit("= ", 1)[1]) == pytest.approx(
        dz2[2, 0] * s.net.weights[1][2, 0], rel=1e-3)
    assert any("Sample" in h.value or "s = 3" in h.value for h in at.markdown)


def test_digits_hidden_weight_sums_ten_terms():
    at = page(encode(PRESETS["digits"]))
    at.selectbox(key="chain_layer").set_value(1).run()
    assert not at.exception
    text = latex(at)
    assert r"\sum_{k=1}^{10}" in text and "more terms" in text  # 10 output terms in full; the batch elided


# -- clicking the diagram ----------------------------------------------------------------------------------
def test_click_mapping():
    sizes = (2, 3, 1)
    cur = Pick(1, "W", 2, 0)
    assert pick_from_click([{"customdata": [0, 1, 2]}], sizes, cur) == Pick(0, "W", 1, 2)
    assert pick_from_click([{"customdata": [2, 0]}], sizes, cur) == Pick(1, "b", 2, 0)  # output neuron: its bias
    assert pick_from_click([{"customdata": [1, 1]}], sizes, cur) == Pick(0, "b", 1, 1)  # hidden neuron
    assert pick_from_click([{"customdata": [0, 1]}], sizes, Pick(0, "W", 0, 2)) == Pick(0, "W", 1, 2)  # input
    assert pick_from_click([{"x": 1.0}], sizes, cur) is None
    assert pick_from_click([{"customdata": [5, 0, 0]}, {"customdata": [1, 2, 0]}], sizes, cur) == Pick(1, "W", 2, 0)
    assert pick_from_click([{"customdata": [0, 7, 0]}], sizes, cur) is None  # out of range
    assert pick_from_click([{"customdata": ["a", 0]}], sizes, cur) is None
    # what the browser really sends (Streamlit 1.67): the array as an object with string indices
    assert pick_from_click([{"customdata": {"0": 1, "1": 2, "2": 0}}], sizes, cur) == Pick(1, "W", 2, 0)
    assert pick_from_click([{"customdata": {"1": 1, "0": 1}}], sizes, cur) == Pick(0, "b", 1, 1)  # i clamped


def test_click_on_the_diagram_moves_the_selectors():
    at = page(chain_click=[{"customdata": {"0": 0, "1": 1, "2": 2}, "curve_number": 12, "point_number": 3}])
    assert at.selectbox(key="chain_layer").value == 1
    assert at.selectbox(key="chain_i").value == 1 and at.selectbox(key="chain_j").value == 2
    assert result(at)[0] == "W^{(1)}_{23}"
    at.session_state["chain_click"] = [{"customdata": [2, 0]}]  # then the output neuron: its bias
    at.run()
    assert at.radio(key="chain_kind").value == "b" and result(at)[0] == "b^{(2)}_{1}"


def test_highlight_draws_the_picked_edge_under_the_click_targets():
    s = Session(PRESETS["xor"])
    fig = highlight(network.network_figure(s.net), Pick(0, "W", 1, 2))
    roles = [(tr.meta or {}).get("role") for tr in fig.data]
    k = roles.index("picked")
    assert k < roles.index("edge_hover") and k < roles.index("neurons")
    tr = fig.data[k]
    neurons = fig.data[roles.index("neurons")]
    pos = {tuple(cd): (x, y) for cd, x, y in zip(neurons.customdata.tolist(), neurons.x, neurons.y)}
    assert (tr.x[0], tr.y[0]) == pos[(0, 1)] and (tr.x[1], tr.y[1]) == pos[(1, 2)]
    assert tr.hoverinfo == "skip"
