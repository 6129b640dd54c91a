"""The Loss-landscape page, through AppTest (a fresh app per test), checked against numbers computed
here: Mazur's published step for the worked example, loss_surface and plain forward passes for the
plotted surface, central differences for the step after a click, an SVD for the PCA plane."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from backprop_core import Network, make_dataset
from backprop_core.config import encode
from backprop_core.landscape import loss_surface, param_name, random_directions, surface_subsample
from backprop_core.presets import PRESETS, WORKED_BIASES, WORKED_WEIGHTS
from ui import landscape_view as view
from ui.i18n import translate
from viz.landscape import CLICK_TRACE

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PAGE = "pages/landscape.py"
I5, I6 = 6, 8  # flat indices of W⁽²⁾[1, 1] (w5) and W⁽²⁾[2, 1] (w6) in the 2-2-2 layout
# Mazur, "A Step by Step Backpropagation Example": w5, w6 after one step at lr 0.5
W5_NEXT, W6_NEXT = 0.35891648, 0.408666186


# -- helpers --------------------------------------------------------------------------------------
def page(preset: str = "worked", lang: str | None = None, **overrides) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params.update(encode(PRESETS[preset].replace(**overrides)))
    if lang:
        at.query_params["lang"] = lang
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def app_state(at: AppTest):
    return at.session_state["_backprop_lab"]


def _arr(v) -> np.ndarray:
    """A plotly JSON array: a list or a {'dtype', 'bdata', 'shape'} typed array."""
    if isinstance(v, dict) and "bdata" in v:
        a = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
        shape = v.get("shape")
        return a.reshape([int(s) for s in str(shape).split(",")]) if shape else a
    return np.asarray(v, dtype=float)


def figure(at: AppTest) -> dict:
    charts = at.get("plotly_chart")
    assert len(charts) == 1
    return json.loads(charts[0].proto.spec)


def trace(fig: dict, name: str | None = None, kind: str | None = None) -> dict:
    return next(d for d in fig["data"] if (name is None or d.get("name") == name) and
                (kind is None or d.get("type") == kind))


def arrow(fig: dict) -> np.ndarray:
    """((x0, y0), (x1, y1)) of the arrow shaft."""
    a = trace(fig, "next step (projected)")
    return np.column_stack([_arr(a["x"]), _arr(a["y"])])


def worked_data():
    ds = make_dataset("worked", test_ratio=0.0)
    return ds.X_train, ds.Y_train


def worked_net() -> Network:
    return Network((2, 2, 2), weights=WORKED_WEIGHTS, biases=WORKED_BIASES, train_biases=False)


def unit(i: int, n: int = 12) -> np.ndarray:
    e = np.zeros(n)
    e[i] = 1.0
    return e


# -- pure helpers -----------------------------------------------------------------------------------
def test_parameter_names_and_the_default_pair():
    net = worked_net()
    assert view.param_label(net, I5, worked=True) == "W⁽²⁾[1, 1] (w5)"
    assert view.param_label(net, I6, worked=True) == "W⁽²⁾[2, 1] (w6)"
    assert [view.param_label(net, i, worked=True) for i in (0, 1, 2, 3)] == \
        ["W⁽¹⁾[1, 1] (w1)", "W⁽¹⁾[1, 2] (w3)", "W⁽¹⁾[2, 1] (w2)", "W⁽¹⁾[2, 2] (w4)"]  # Mazur: w1..w4
    assert np.allclose(net.flatten()[[0, 2, 1, 3]], [0.15, 0.20, 0.25, 0.30])
    assert view.param_label(net, 5) == "b⁽¹⁾[2]" and view.param_label(net, 11) == "b⁽²⁾[2]"
    mask = net.weight_mask()
    assert mask.tolist() == [param_name(net, i)[0] == "W" for i in range(12)] and mask.sum() == 8
    assert view.default_pair(net, None, worked=True) == (I5, I6)
    grad = np.zeros(12)
    grad[[3, 5, 9]] = [0.2, -9.0, -0.7]  # b1[1] (index 5) is steepest but is not a weight
    assert view.default_pair(net, grad, worked=False) == (9, 3)
    assert view.default_pair(net, np.zeros(12), worked=False) == (I5, I6)  # flat: the last layer's first two


def test_click_parsing_and_drop_target():
    assert view.selected_point(None) is None
    assert view.selected_point({"selection": {"points": []}}) is None
    sel = {"selection": {"points": [{"x": 1, "customdata": [0.41, -0.2]}]}}
    assert view.selected_point(sel) == (0.41, -0.2)
    assert view.selected_point({"selection": None}) is None


# -- rendering ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("preset", ["xor", "worked", "digits_fast"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_page_renders(preset, lang):
    at = page(preset, lang=lang)
    fig = figure(at)
    S = _arr(trace(fig, kind="heatmap")["z"])
    assert S.ndim == 2 and np.isfinite(S).all()
    assert any(d.get("name") == CLICK_TRACE for d in fig["data"])
    title = at.title[0].value
    assert title == ("损失曲面" if lang == "zh" else "Loss landscape")
    captions = [c.value for c in at.caption]
    if preset == "digits_fast":  # 1438 training rows: a fixed subset for the surface, mini-batches of 64 to step
        n = app_state(at).session.dataset.n_train
        assert n == 1438
        assert translate("landscape.subsample", lang, k=512, n=n, seed=0) in captions
        assert translate("landscape.minibatch", lang, b=64, n=n) in captions
    if lang == "zh":
        assert any(m.value.startswith("**下一步**") for m in at.markdown)
        assert any(d.get("name") == "训练路径" for d in fig["data"])


def test_worked_surface_is_the_loss_over_w5_and_w6_with_mazur_arrow():
    at = page("worked")
    fig = figure(at)
    hm = trace(fig, kind="heatmap")
    x, y, S = _arr(hm["x"]), _arr(hm["y"]), _arr(hm["z"])
    assert "capped" not in fig["layout"]["title"]["subtitle"]["text"]  # colours are the raw losses
    # the window: +-max(1, 2|w|) = +-1 around w5 = 0.40 and w6 = 0.45, 41 points per side
    np.testing.assert_allclose(x, 0.40 + np.linspace(-1, 1, 41), atol=1e-12)
    np.testing.assert_allclose(y, 0.45 + np.linspace(-1, 1, 41), atol=1e-12)
    X, Y = worked_data()
    net = worked_net()
    ref = loss_surface(net, X, Y, unit(I5), unit(I6), np.linspace(-1, 1, 41), np.linspace(-1, 1, 41))
    np.testing.assert_allclose(S, ref, rtol=1e-12)
    for i, j in ((0, 0), (20, 20), (7, 33)):  # a few cells by one plain forward pass each
        v = net.flatten()
        v[I5], v[I6] = x[j], y[i]
        assert S[i, j] == pytest.approx(net.unflatten(v).loss_value(X, Y), rel=1e-12)
    assert S[20, 20] == pytest.approx(0.298371109, abs=1e-9)  # Mazur's E_total at the start
    np.testing.assert_allclose(arrow(fig), [[0.40, 0.45], [W5_NEXT, W6_NEXT]], atol=1e-8)
    cur = trace(fig, "current weights")
    assert (cur["x"][0], cur["y"][0]) == (0.40, 0.45)
    assert "W⁽²⁾[1, 1] (w5)" in fig["layout"]["xaxis"]["title"]["text"]


def test_fixed_picture_stays_while_the_ball_moves_and_follow_mode_recentres():
    at = page("worked")
    S0 = _arr(trace(figure(at), kind="heatmap")["z"])
    at.button(key="ls_step").click().run()
    fig = figure(at)
    np.testing.assert_array_equal(_arr(trace(fig, kind="heatmap")["z"]), S0)  # same slice, not recomputed
    cur = trace(fig, "current weights")
    assert (cur["x"][0], cur["y"][0]) == pytest.approx((W5_NEXT, W6_NEXT), abs=1e-8)
    path = trace(fig, "path of training")
    np.testing.assert_allclose(np.column_stack([_arr(path["x"]), _arr(path["y"])]), [[0.40, 0.45], [W5_NEXT, W6_NEXT]],
                               atol=1e-8)
    X, Y = worked_data()
    real = app_state(at).session.net.loss_value(X, Y)  # the ball's loss: its w1..w4 moved off the slice too
    assert any(f"**{real:.4g}**" in c.value for c in at.caption)
    at.radio(key="ls_centre").set_value("current").run()
    hm = trace(figure(at), kind="heatmap")
    net = app_state(at).session.net
    ref = loss_surface(net, X, Y, unit(I5), unit(I6), np.linspace(-1, 1, 41), np.linspace(-1, 1, 41))
    np.testing.assert_allclose(_arr(hm["z"]), ref, rtol=1e-12)
    np.testing.assert_allclose(_arr(hm["x"])[20], W5_NEXT, atol=1e-8)


def test_learning_rate_scales_the_sgd_arrow():
    at = page("worked")
    small = arrow(figure(at))
    at.select_slider(key="w_lr").set_value(5.0).run()
    assert not at.exception
    big = arrow(figure(at))
    np.testing.assert_allclose(big[0], small[0])
    np.testing.assert_allclose(big[1] - big[0], 10 * (small[1] - small[0]), rtol=1e-10)
    assert app_state(at).session.iteration == 0  # nothing was stepped
    text = " ".join(m.value for m in at.markdown)
    assert "lr = 5" in text and "-0.4108" in text


def test_click_drops_the_ball_then_step_follows_the_gradient():
    at = page("worked")
    before = app_state(at).session.net.flatten()
    # the selection as the browser reports it (customdata of a typed array comes back as an object)
    point = {"curve_number": 2, "point_index": 0, "x": 0.41, "y": -0.2, "customdata": {"0": 0.41, "1": -0.2}}
    at.session_state[view.CHART] = {"selection": {"points": [point], "point_indices": [0], "box": [], "lasso": []}}
    at.run()
    assert not at.exception
    s = app_state(at).session
    moved = s.net.flatten()
    assert (moved[I5], moved[I6]) == (pytest.approx(0.41, abs=1e-15), pytest.approx(-0.2, abs=1e-15))
    keep = np.ones(12, bool)
    keep[[I5, I6]] = False
    np.testing.assert_array_equal(moved[keep], before[keep])
    assert s.edited
    assert any("0.41" in m.value and "-0.2" in m.value for m in at.success)
    cur = trace(figure(at), "current weights")
    assert (cur["x"][0], cur["y"][0]) == pytest.approx((0.41, -0.2))
    # Step: w <- w - 0.5 dL/dw, the derivative by central differences at the dropped point
    X, Y = worked_data()
    net, h = s.net, 1e-6

    def slope(i: int) -> float:
        return (net.unflatten(moved + h * unit(i)).loss_value(X, Y)
                - net.unflatten(moved - h * unit(i)).loss_value(X, Y)) / (2 * h)

    at.button(key="ls_step").click().run()
    after = app_state(at).session.net.flatten()
    assert after[I5] == pytest.approx(0.41 - 0.5 * slope(I5), abs=1e-9)
    assert after[I6] == pytest.approx(-0.2 - 0.5 * slope(I6), abs=1e-9)
    assert not at.success  # the message belonged to the dropped point


def test_pca_plane_needs_a_path_then_shows_its_variance():
    at = page("xor")
    at.radio(key="ls_plane").set_value("pca").run()
    assert not at.get("plotly_chart") and any("few steps" in i.value for i in at.info)
    at.button(key="ls_step10").click().run()
    assert not at.exception
    fig = figure(at)
    T = app_state(at).session.trajectory()[1]
    s = np.linalg.svd(T - T[-1], compute_uv=False)
    share = s[:2] ** 2 / np.sum(s**2) * 100
    assert fig["layout"]["xaxis"]["title"]["text"] == f"PC1 ({share[0]:.1f}% of the path's variance)"
    assert fig["layout"]["yaxis"]["title"]["text"] == f"PC2 ({share[1]:.1f}% of the path's variance)"
    path = trace(fig, "path of training")
    px = _arr(path["x"])
    assert len(px) == len(T) and px[-1] == pytest.approx(0.0, abs=1e-12)  # centred on the end


def test_random_plane_surface_uses_filter_normalised_directions_of_the_seed():
    at = page("worked")
    at.radio(key="ls_plane").set_value("random").run()
    at.number_input(key="ls_seed").set_value(7).run()
    fig = figure(at)
    hm = trace(fig, kind="heatmap")
    a = np.linspace(-1, 1, 41)
    np.testing.assert_allclose(_arr(hm["x"]), a, atol=1e-12)
    net = worked_net()
    d1, d2 = random_directions(net, 7)
    X, Y = worked_data()
    np.testing.assert_allclose(_arr(hm["z"]), loss_surface(net, X, Y, d1, d2, a, a), rtol=1e-12)
    assert "seed 7" in fig["layout"]["xaxis"]["title"]["text"]


def test_three_d_toggle_and_back():
    at = page("xor")
    at.toggle(key="ls_3d").set_value(True).run()
    fig = figure(at)
    assert {d["type"] for d in fig["data"]} >= {"surface", "scatter3d"}
    assert not any(d.get("name") == CLICK_TRACE for d in fig["data"])
    at.toggle(key="ls_3d").set_value(False).run()
    assert trace(figure(at), kind="heatmap")


def test_digits_surface_is_on_the_fixed_subsample():
    at = page("digits_fast")
    s = app_state(at).session
    X, Y, sub = surface_subsample(s.dataset.X_train, s.dataset.Y_train, seed=0)
    assert sub and X.shape == (512, 64)
    fig = figure(at)
    hm = trace(fig, kind="heatmap")
    S = _arr(hm["z"])
    p1, p2 = at.selectbox(key="ls_p1").value, at.selectbox(key="ls_p2").value
    n = S.shape[0]
    half_a = (_arr(hm["x"])[-1] - _arr(hm["x"])[0]) / 2
    half_b = (_arr(hm["y"])[-1] - _arr(hm["y"])[0]) / 2
    a, b = np.linspace(-half_a, half_a, n), np.linspace(-half_b, half_b, n)
    ref = loss_surface(s.net, X, Y, unit(p1, s.net.spec.n_params), unit(p2, s.net.spec.n_params), a, b)
    np.testing.assert_allclose(S, np.minimum(ref, S.max()), rtol=1e-9)  # colours may be capped at a percentile
