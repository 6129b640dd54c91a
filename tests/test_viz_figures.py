"""Figure builders for the activations, training, weights and landscape pages: the plotted numbers
are the input numbers (checked against hand formulas, central differences and hand counts), NaN and
inf never reach a trace, shared colour scales are symmetric and shared, orientation is right."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
import pytest

from backprop_core import PRESETS, Config, Session
from backprop_core.activations import ACTIVATIONS, Activation
from viz import activations as va
from viz import landscape as vl
from viz import training as vt
from viz import weights as vw
from viz.palette import FONT, NEGATIVE, TEXT


# -- sessions (real core records) -------------------------------------------------------------
@pytest.fixture(scope="module")
def xor() -> Session:
    s = Session(PRESETS["xor"])
    s.run(5)
    return s


@pytest.fixture(scope="module")
def spirals() -> Session:
    s = Session(PRESETS["spirals"])
    s.run(12)
    return s


@pytest.fixture(scope="module")
def digits() -> Session:
    s = Session(PRESETS["digits_fast"])
    s.run(8)
    return s


def scatter_arrays_finite(fig: go.Figure) -> bool:
    """No NaN/inf in any x, y, z of line/marker traces (heatmaps use NaN on purpose, as gaps)."""
    for tr in fig.data:
        if tr.type in ("scatter", "scattergl", "scatter3d"):
            for arr in (tr.x, tr.y, getattr(tr, "z", None)):
                if arr is not None and len(arr) and not np.all(np.isfinite(np.asarray(arr, dtype=float))):
                    return False
    return True


def heat_values_finite_or_nan(fig: go.Figure) -> bool:
    """Heatmap/surface z hold finite numbers or NaN gaps, never +-inf."""
    for tr in fig.data:
        if tr.type in ("heatmap", "contour", "surface"):
            if np.isinf(np.asarray(tr.z, dtype=float)).any():
                return False
    return True


# -- hand formulas (independent of backprop_core) -------------------------------------------------
def _sig(z):
    return 1.0 / (1.0 + np.exp(-z))


HAND_F = {
    "sigmoid": _sig,
    "tanh": np.tanh,
    "relu": lambda z: np.where(z > 0, z, 0.0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "linear": lambda z: z,
    "softmax": _sig,  # softmax([z, 0])_0 = e^z / (e^z + 1) = sigmoid(z)
}
HAND_DF = {
    "sigmoid": lambda z: _sig(z) * (1 - _sig(z)),
    "tanh": lambda z: 1 - np.tanh(z) ** 2,
    "relu": lambda z: (z > 0).astype(float),
    "leaky_relu": lambda z: np.where(z > 0, 1.0, 0.01),
    "linear": lambda z: np.ones_like(z),
    "softmax": lambda z: _sig(z) * (1 - _sig(z)),
}


# -- activations ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_curves_are_f_and_its_derivative(name):
    fig = va.activation_figure(name)
    f_tr, df_tr = fig.data
    z = np.asarray(f_tr.x)
    assert z[0] == -6.0 and z[-1] == 6.0 and len(z) == va.N_Z
    np.testing.assert_allclose(f_tr.y, HAND_F[name](z), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(df_tr.y, HAND_DF[name](z), rtol=1e-12, atol=1e-15)
    # the derivative line is the slope of the function line (central differences, away from the kink)
    h = 1e-5
    away = np.abs(z) > 1e-3
    numeric = (HAND_F[name](z + h) - HAND_F[name](z - h)) / (2 * h)
    np.testing.assert_allclose(np.asarray(df_tr.y)[away], numeric[away], atol=1e-6)
    if ACTIVATIONS[name].elementwise:
        np.testing.assert_allclose(f_tr.y, ACTIVATIONS[name].f(z))


def test_softmax_says_it_is_the_two_class_slice():
    fig = va.activation_figure("softmax")
    assert "2-class slice" in fig.layout.title.subtitle.text


@pytest.mark.parametrize("name, edge", [
    ("sigmoid", math.log((1 - math.sqrt(0.8)) / (1 + math.sqrt(0.8)))),  # s(1-s) = 0.05
    ("tanh", -math.atanh(math.sqrt(0.95))),  # 1 - tanh^2 = 0.05
])
def test_saturated_regions_start_where_the_derivative_drops_below_threshold(name, edge):
    fig = va.activation_figure(name)
    shapes = [s for s in fig.layout.shapes if s.name.startswith("saturated")]
    assert len(shapes) == 2
    left, right = sorted(shapes, key=lambda s: s.x0)
    step = 12 / (va.N_Z - 1)
    assert left.x0 == -6.0 and abs(left.x1 - edge) <= step
    assert right.x1 == 6.0 and abs(right.x0 + edge) <= step


def test_relu_dead_region_and_no_shading_for_linear():
    dead = [s for s in va.activation_figure("relu").layout.shapes if s.name.startswith("dead")]
    assert [(s.x0, s.x1) for s in dead] == [(-6.0, 0.0)]
    assert not va.activation_figure("linear").layout.shapes


def test_z_range_band_from_a_real_forward_trace(xor):
    rec = xor.record
    z = np.asarray(rec.forward.layers[0].z)
    zr = va.z_range_of(rec, 0)
    assert (zr.lo, zr.hi) == (z.min(), z.max())
    assert zr.p5 == pytest.approx(np.percentile(z, 5)) and zr.p95 == pytest.approx(np.percentile(z, 95))
    assert va.z_range_of(rec.forward, 0) == zr  # a ForwardTrace works as well as a StepRecord
    fig = va.activation_figure("sigmoid", zr)
    band = [s for s in fig.layout.shapes if s.name == va.ACTIVATION_LABELS["band"]]
    assert [(b.x0, b.x1) for b in band] == [(zr.lo, zr.hi)]
    inner = [s for s in fig.layout.shapes if s.name == va.ACTIVATION_LABELS["band_inner"]]
    assert [(b.x0, b.x1) for b in inner] == [(zr.p5, zr.p95)]


def test_z_axis_widens_to_hold_the_layer_range_and_is_capped():
    z = np.asarray(va.activation_figure("tanh", (-2.0, 9.5)).data[0].x)
    assert (z[0], z[-1]) == (-6.0, 9.5)
    fig = va.activation_figure("tanh", (-1e6, 1.0))
    assert fig.data[0].x[0] == -va.Z_CAP and "cut" in fig.layout.title.subtitle.text


def test_non_finite_activation_values_are_masked_and_mentioned(monkeypatch):
    def f(z):
        return np.where(z > 5, np.nan, z)

    weird = Activation("weird", f, lambda z, a: np.where(z < -5, np.inf, 1.0), "", "")
    monkeypatch.setitem(ACTIVATIONS, "weird", weird)
    fig = va.activation_figure("weird")
    assert scatter_arrays_finite(fig)
    z = np.linspace(-6, 6, va.N_Z)
    assert len(fig.data[0].x) == int(np.sum(z <= 5)) and len(fig.data[1].x) == int(np.sum(z >= -5))
    n_bad = int(np.sum(z > 5) + np.sum(z < -5))
    assert f"{n_bad} non-finite" in fig.layout.title.subtitle.text


HAND_LOSS = {
    "mse": (lambda a, y: 0.5 * (a - y) ** 2, lambda a, y: a - y),
    "bce": (lambda a, y: -(y * np.log(a) + (1 - y) * np.log(1 - a)), lambda a, y: (a - y) / (a * (1 - a))),
    "ce": (lambda a, y: -y * np.log(a), lambda a, y: -y / a),
}


@pytest.mark.parametrize("name", ["mse", "bce", "ce"])
@pytest.mark.parametrize("y", [0.0, 1.0, 0.3])
def test_loss_curves_match_hand_formulas_and_their_slope(name, y):
    fig = va.loss_figure(name, y)
    loss_tr, grad_tr = fig.data
    a = np.asarray(loss_tr.x)
    lo, hi = (-1.0, 2.0) if name == "mse" else (va.A_EDGE, 1 - va.A_EDGE)
    assert (a[0], a[-1]) == (lo, hi)
    L, dL = HAND_LOSS[name]
    np.testing.assert_allclose(loss_tr.y, L(a, y), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(grad_tr.y, dL(a, y), rtol=1e-10, atol=1e-14)
    h = 1e-6
    np.testing.assert_allclose(grad_tr.y, (L(a + h, y) - L(a - h, y)) / (2 * h), rtol=1e-5, atol=1e-7)
    assert grad_tr.yaxis == "y2" and loss_tr.yaxis == "y"


# -- training: curves ---------------------------------------------------------------------------
def test_loss_curves_equal_the_history_columns(xor):
    h = xor.history
    fig = vt.loss_curves(h)
    # full batch: the batch loss is the training loss, so it is drawn once
    assert [t.name for t in fig.data] == ["training loss", "test loss"]
    np.testing.assert_array_equal(fig.data[0].x, h.column("iteration"))
    np.testing.assert_array_equal(fig.data[0].y, h.column("loss"))
    np.testing.assert_array_equal(fig.data[1].y, h.column("test_loss"))
    np.testing.assert_array_equal(fig.data[0].customdata, h.column("epoch"))
    assert "epoch" in fig.data[0].hovertemplate and "iteration" in fig.data[0].hovertemplate


def test_mini_batch_loss_curves_drop_unevaluated_rows(digits):
    h = digits.history
    fig = vt.loss_curves(h)
    names = [t.name for t in fig.data]
    assert names == ["batch loss", "training loss (whole set)", "test loss"]
    train = h.column("train_loss")
    evaluated = ~np.isnan(train)
    assert 0 < evaluated.sum() < len(train)  # some rows were not evaluated
    np.testing.assert_array_equal(fig.data[1].x, h.column("iteration")[evaluated])
    np.testing.assert_array_equal(fig.data[1].y, train[evaluated])
    assert scatter_arrays_finite(fig)


def test_loss_curves_mention_infinite_values_and_non_positive_on_log_axis():
    hist = {"iteration": np.arange(1.0, 7.0), "epoch": np.arange(1.0, 7.0),
            "loss": np.array([1.0, 0.5, np.inf, 0.25, 0.0, 0.1]),
            "train_loss": np.array([1.0, np.nan, np.nan, 0.25, np.nan, 0.1]),
            "test_loss": np.array([2.0, np.nan, np.nan, np.nan, np.nan, 1.5])}
    fig = vt.loss_curves(hist)
    assert list(fig.data[0].x) == [1, 2, 4, 5, 6]
    assert list(fig.data[-1].x) == [1, 6] and list(fig.data[-1].y) == [2.0, 1.5]
    assert "1 infinite" in fig.layout.title.subtitle.text
    log = vt.loss_curves(hist, log_y=True)
    assert list(log.data[0].x) == [1, 2, 4, 6] and log.layout.yaxis.type == "log"
    assert "2 infinite or non-positive" in log.layout.title.subtitle.text
    assert scatter_arrays_finite(fig) and scatter_arrays_finite(log)


def test_accuracy_curves(spirals):
    fig = vt.accuracy_curves(spirals.history)
    np.testing.assert_array_equal(fig.data[0].y, spirals.history.column("acc"))
    assert fig.layout.yaxis.tickformat == ".0%"
    reg = {"iteration": np.array([1.0, 2.0]), "acc": np.full(2, np.nan)}
    empty = vt.accuracy_curves(reg)
    assert not empty.data and "regression" in empty.layout.annotations[0].text


# -- training: the input plane --------------------------------------------------------------------
def test_input_grid_orientation_and_bounds():
    X = np.array([[0.0, -1.0], [2.0, 3.0]])
    xx, yy, g = vt.input_grid(X, resolution=5, margin=0.5)
    np.testing.assert_allclose(xx, np.linspace(-0.5, 2.5, 5))
    np.testing.assert_allclose(yy, np.linspace(-1.5, 3.5, 5))
    assert g.shape == (25, 2)
    i, j = 3, 1
    np.testing.assert_array_equal(g[i * len(xx) + j], [xx[j], yy[i]])
    x1, y1, g1 = vt.input_grid(X[:, :1], resolution=10)
    assert y1 is None and g1.shape == (200, 1) and g1[0, 0] == -0.5


def test_binary_decision_boundary_from_a_real_network(spirals):
    ds, net = spirals.dataset, spirals.net
    xx, yy, g = vt.input_grid(ds.X_train, resolution=30)
    fig = vt.decision_boundary(net.predict(g), xx, yy, ds.X_train, ds.labels("train"), ds.X_test,
                               ds.labels("test"), ds.task)
    heat = fig.data[0]
    assert heat.type == "heatmap" and (heat.zmin, heat.zmax) == (0.0, 1.0)
    i, j = 7, 22
    assert heat.z[i][j] == pytest.approx(net.predict(np.array([[xx[j], yy[i]]]))[0, 0])
    points = [t for t in fig.data if t.type == "scatter"]
    train = [t for t in points if t.name.startswith("train")]
    test = [t for t in points if t.name.startswith("test")]
    assert sum(len(t.x) for t in train) == ds.n_train and sum(len(t.x) for t in test) == ds.n_test
    assert {t.marker.symbol for t in train} != {t.marker.symbol for t in test}
    cls1 = next(t for t in train if t.name == "train: class 1")
    np.testing.assert_array_equal(cls1.x, ds.X_train[ds.labels("train") == 1, 0])
    assert fig.layout.uirevision


def test_binary_boundary_contour_and_callable_predictor():
    xx, yy, _ = vt.input_grid(np.array([[-1.0, -1.0], [1.0, 1.0]]), resolution=11, margin=0.0)

    def p(pts):
        return _sig(4 * pts[:, :1])  # class 1 to the right of x1 = 0

    fig = vt.decision_boundary(p, xx, yy, np.zeros((0, 2)), np.zeros(0), None, None, "binary")
    np.testing.assert_allclose(np.asarray(fig.data[0].z)[4], _sig(4 * xx))
    contour = fig.data[1]
    assert contour.type == "contour" and contour.contours.start == contour.contours.end == 0.5


def test_multiclass_map_encodes_argmax_class_and_confidence():
    xx, yy = np.array([0.0, 1.0]), np.array([0.0, 1.0, 2.0])
    out = np.array([[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [1 / 3, 1 / 3, 1 / 3],
                    [0.0, 0.0, 1.0], [np.nan, 0.5, 0.5], [0.1, 0.1, 0.8]])
    X = np.array([[0.0, 0.0], [1.0, 2.0]])
    fig = vt.decision_boundary(out, xx, yy, X, np.array([0, 2]), None, None, "multiclass",
                               class_names=["a", "b", "c"])
    z = np.asarray(fig.data[0].z, dtype=float)
    assert z.shape == (3, 2)
    np.testing.assert_allclose(z[0], [0 + 0.999 * (0.8 - 1 / 3) / (2 / 3), 1 + 0.999 * (0.7 - 1 / 3) / (2 / 3)])
    assert z[1, 0] == pytest.approx(0.0) and z[1, 1] == pytest.approx(2.999)
    assert math.isnan(z[2, 0]) and "1 non-finite" in fig.layout.title.subtitle.text
    assert fig.data[0].text[0][1] == "b (70%)"
    assert len(fig.data[0].colorscale) == 6
    names = [t.name for t in fig.data[1:]]
    assert names == ["train: a", "train: c"]


def test_regression_curve_on_one_input():
    X = np.linspace(-3, 3, 20)[:, None]
    Y = np.sin(X)
    xx, yy, g = vt.input_grid(X)
    fit = np.sin(g) * 0.9
    fig = vt.decision_boundary(fit, xx, yy, X, Y, X[:4], Y[:4], "regression")
    line = fig.data[-1]
    np.testing.assert_allclose(line.x, xx)
    np.testing.assert_allclose(line.y, 0.9 * np.sin(xx))
    np.testing.assert_allclose(fig.data[0].y, Y[:, 0])


def test_hidden_units_share_one_colour_scale(spirals):
    ds, net = spirals.dataset, spirals.net
    xx, yy, g = vt.input_grid(ds.X_train, resolution=20)
    acts = net.forward(g).layers[0].a  # (400, 8) tanh
    fig = vt.hidden_units_grid(acts, xx, yy, max_units=6)
    assert len(fig.data) == 6 and "first 6 of 8" in fig.layout.title.subtitle.text
    top = float(np.abs(acts[:, :6]).max())
    assert {(t.zmin, t.zmax, t.zmid) for t in fig.data} == {(-top, top, 0.0)}
    np.testing.assert_array_equal(fig.data[5].z, acts[:, 5].reshape(20, 20))
    assert sum(bool(t.showscale) for t in fig.data) == 1


# -- training: health -----------------------------------------------------------------------------
def test_gradient_health_lines_per_layer(spirals):
    h = spirals.history
    fig = vt.gradient_health(h, 3)
    assert len(fig.data) == 6
    for l in range(3):
        np.testing.assert_array_equal(fig.data[l].y, h.column(f"grad_norm_{l + 1}"))
        np.testing.assert_array_equal(fig.data[3 + l].y, h.column(f"ratio_{l + 1}"))
        assert fig.data[l].line.color == fig.data[3 + l].line.color
    assert fig.layout.yaxis.type == fig.layout.yaxis2.type == "log"
    ref = [s for s in fig.layout.shapes if s.y0 == s.y1 == vt.RATIO_REFERENCE]
    assert len(ref) == 1 and ref[0].line.dash == "dash" and ref[0].yref == "y2"
    # the reference grad norm of layer 1 equals ||dW_1|| of the last record
    assert fig.data[0].y[-1] == pytest.approx(np.linalg.norm(spirals.record.backward.layers[0].dW))


def test_gradient_health_drops_zero_on_log_axis():
    hist = {"iteration": np.array([1.0, 2.0, 3.0]), "epoch": np.array([1.0, 2.0, 3.0]),
            "grad_norm_1": np.array([0.1, 0.0, 0.2]), "ratio_1": np.array([1e-3, np.inf, 1e-4])}
    fig = vt.gradient_health(hist, 1)
    assert list(fig.data[0].x) == [1, 3] and list(fig.data[1].x) == [1, 3]
    assert "2 zero or non-finite" in fig.layout.title.subtitle.text


def test_unit_health_dead_relu_and_saturated(digits, spirals):
    dig = vt.unit_health(digits.history, 2)
    assert [t.name for t in dig.data] == ["layer 1: dead (ReLU never active)"]
    np.testing.assert_array_equal(dig.data[0].y, digits.history.column("dead_1"))
    spi = vt.unit_health(spirals.history, 3)
    assert [t.line.dash for t in spi.data] == ["dash"] * 3
    none = vt.unit_health({"iteration": np.array([1.0])}, 1)
    assert not none.data and "no ReLU" in none.layout.title.subtitle.text


# -- training: classification results ---------------------------------------------------------------
def test_confusion_matrix_hand_counted():
    y_true = [0, 0, 1, 2, 2, 2, 1]
    y_pred = [0, 1, 1, 2, 0, 2, 1]
    expected = np.array([[1, 1, 0],
                         [0, 2, 0],
                         [1, 0, 2]])
    np.testing.assert_array_equal(vt.confusion_matrix(y_true, y_pred, 3), expected)
    fig = vt.confusion_matrix_figure(y_true, y_pred, ["cat", "dog", "fox"])
    np.testing.assert_array_equal(fig.data[0].z, expected)
    assert list(fig.data[0].y) == ["cat", "dog", "fox"] and fig.layout.yaxis.autorange == "reversed"
    np.testing.assert_allclose(fig.data[0].customdata[2], [1 / 3, 0, 2 / 3])
    assert "71.4%" in fig.layout.title.text and "7 samples" in fig.layout.title.text
    with pytest.raises(ValueError):
        vt.confusion_matrix([0, 3], [0, 1], 3)


def test_confusion_matrix_of_a_real_digits_network(digits):
    ds = digits.dataset
    pred = digits.net.predict(ds.X_test).argmax(axis=1)
    cm = vt.confusion_matrix(ds.labels("test"), pred, 10)
    assert cm.sum() == ds.n_test and np.trace(cm) == int(np.sum(pred == ds.labels("test")))


def test_digit_grid_shows_images_and_highlights_mistakes(digits):
    ds = digits.dataset
    probs = digits.net.predict(ds.X_test)
    pred, true = probs.argmax(axis=1), ds.labels("test")
    fig = vt.digit_grid(ds.X_test, true, pred, probs, n=24)
    assert len(fig.data) == 24
    np.testing.assert_array_equal(fig.data[3].z, ds.X_test[3].reshape(8, 8))
    wrong = np.flatnonzero(pred[:24] != true[:24])
    assert len(fig.layout.shapes) == len(wrong)
    for k, ann in enumerate(fig.layout.annotations[:24]):
        assert ann.font.color == (NEGATIVE if k in wrong else TEXT)
        assert f"{probs[k, pred[k]]:.0%}" in ann.text
    assert all(t.type == "heatmap" and t.colorscale == fig.data[0].colorscale for t in fig.data)


def test_first_layer_filters_share_a_symmetric_scale(digits):
    W1 = np.asarray(digits.net.weights[0])
    fig = vt.first_layer_filters(W1, max_units=32)
    assert len(fig.data) == 32
    top = float(np.abs(W1).max())
    assert {(t.zmin, t.zmax, t.zmid) for t in fig.data} == {(-top, top, 0.0)}
    np.testing.assert_array_equal(fig.data[7].z, W1[:, 7].reshape(8, 8))
    with pytest.raises(ValueError):
        vt.first_layer_filters(np.zeros((5, 3)))


# -- weights ----------------------------------------------------------------------------------------
def test_weight_heatmaps_share_one_symmetric_scale(spirals):
    grads = spirals.record.update.grad_weights
    fig = vw.weight_heatmaps(grads, ["dL/dW1", "dL/dW2", "dL/dW3"])
    top = max(float(np.abs(g).max()) for g in grads)
    assert len(fig.data) == 3
    assert {(t.zmin, t.zmax, t.zmid) for t in fig.data} == {(-top, top, 0.0)}
    for t, g in zip(fig.data, grads):
        np.testing.assert_array_equal(t.z, g)
        assert list(t.x) == list(range(1, g.shape[1] + 1)) and list(t.y) == list(range(1, g.shape[0] + 1))
        assert "%{z}" in t.hovertemplate and "(%{y}, %{x})" in t.hovertemplate
    assert sum(bool(t.showscale) for t in fig.data) == 1
    # the largest |value| sits in the first layer here: the later layers still use it
    hand = vw.weight_heatmaps([np.array([[0.1, -5.0]]), np.array([[0.5], [-0.25]]), np.array([2.0])],
                              ["W1", "W2", "b"])
    assert [(t.zmin, t.zmax) for t in hand.data] == [(-5.0, 5.0)] * 3
    np.testing.assert_array_equal(hand.data[2].z, [[2.0]])  # a bias vector becomes one row


def test_weight_heatmaps_blank_non_finite_and_handle_all_zero():
    fig = vw.weight_heatmaps([np.array([[1.0, -np.inf], [0.5, 2.0]])], ["W"])
    z = np.asarray(fig.data[0].z, dtype=float)
    assert math.isnan(z[0, 1]) and fig.data[0].zmax == 2.0 and fig.data[0].zmin == -2.0
    assert "1 non-finite" in fig.layout.title.subtitle.text
    zero = vw.weight_heatmaps([np.zeros((2, 2))], ["\u0394W"])
    assert zero.data[0].zmax == 1.0 and "all values are 0" in zero.layout.title.subtitle.text


def test_weight_lines_follow_the_updates(xor):
    s = Session(PRESETS["xor"])
    its, w = [], []
    for _ in range(4):
        rec = s.step()
        its.append(rec.iteration)
        w.append(rec.update.new_weights[0][1, 2])
    fig = vw.weight_lines(its, {"w[2,3] layer 1": w, "broken": [1.0, np.nan, 2.0, np.inf]})
    np.testing.assert_array_equal(fig.data[0].y, w)
    assert list(fig.data[1].x) == [its[0], its[2]]
    assert scatter_arrays_finite(fig) and "2 non-finite" in fig.layout.title.subtitle.text


# -- landscape ----------------------------------------------------------------------------------------
def grid():
    alphas = np.linspace(-1.0, 2.0, 7)
    betas = np.linspace(-0.5, 0.5, 5)
    S = (alphas[None, :] - 0.5) ** 2 + 3 * betas[:, None] + 2.0  # asymmetric: orientation shows
    return alphas, betas, S


def test_landscape_orientation_and_click_grid():
    alphas, betas, S = grid()
    fig = vl.landscape_figure(alphas, betas, S)
    heat = fig.data[0]
    assert heat.type == "heatmap"
    np.testing.assert_array_equal(heat.x, alphas)
    np.testing.assert_array_equal(heat.y, betas)
    np.testing.assert_array_equal(heat.z, S)
    assert heat.z[4][1] == pytest.approx((alphas[1] - 0.5) ** 2 + 3 * betas[4] + 2.0)
    click = next(t for t in fig.data if t.name == vl.CLICK_TRACE)
    cd = np.asarray(click.customdata)
    assert cd.shape == (len(alphas) * len(betas), 2)
    np.testing.assert_array_equal(cd[:, 0], click.x)
    np.testing.assert_array_equal(cd[:, 1], click.y)
    assert {(a, b) for a, b in cd} == {(a, b) for a in alphas for b in betas}
    assert fig.layout.clickmode == "event+select"
    k = int(np.flatnonzero((cd[:, 0] == alphas[2]) & (cd[:, 1] == betas[3]))[0])
    assert f"{S[3, 2]:.4g}" in click.text[k]
    assert vl.click_coordinates([{"customdata": list(cd[k])}]) == (alphas[2], betas[3])
    assert vl.click_coordinates([]) is None


def test_click_grid_is_subsampled_on_big_grids():
    alphas, betas = np.linspace(0, 1, 201), np.linspace(0, 1, 101)
    S = np.add.outer(betas, alphas)
    click = next(t for t in vl.landscape_figure(alphas, betas, S).data if t.name == vl.CLICK_TRACE)
    assert len(click.x) <= vl.MAX_CLICK_POINTS and set(click.x) <= set(alphas)
    assert click.x[0] == 0 and max(click.x) >= 0.98


def test_landscape_arrow_trajectory_and_current_point():
    alphas, betas, S = grid()
    traj = np.array([[-1.0, -0.5], [0.0, 0.0], [np.nan, 0.2], [0.5, 0.1]])
    fig = vl.landscape_figure(alphas, betas, S, trajectory=traj, current=(0.5, 0.1),
                              arrow=((0.5, 0.1), (0.4, -0.2)))
    ann = fig.layout.annotations[0]
    assert (ann.x, ann.y, ann.ax, ann.ay) == (0.4, -0.2, 0.5, 0.1)
    assert ann.axref == "x" and ann.ayref == "y" and ann.showarrow
    path = next(t for t in fig.data if t.name == vl.LANDSCAPE_LABELS["trajectory"])
    np.testing.assert_array_equal(path.x, [-1.0, 0.0, 0.5])
    assert "1 non-finite path point" in fig.layout.title.subtitle.text
    cur = next(t for t in fig.data if t.name == vl.LANDSCAPE_LABELS["current"])
    assert (cur.x[0], cur.y[0]) == (0.5, 0.1)
    assert scatter_arrays_finite(fig)
    bad = vl.landscape_figure(alphas, betas, S, arrow=((0.5, np.nan), (0.4, 0.1)))
    assert not bad.layout.annotations


def test_landscape_clips_huge_values_and_leaves_gaps():
    alphas, betas, S = grid()
    S = S.copy()
    S[0, 0], S[2, 3], S[4, 6] = 1e12, np.nan, np.inf
    fig = vl.landscape_figure(alphas, betas, S)
    z = np.asarray(fig.data[0].z, dtype=float)
    finite = S[np.isfinite(S)]
    cap = np.percentile(finite, vl.CLIP_PERCENTILE, method="lower")
    assert cap < 1e12 and z[0, 0] == cap and np.nanmax(z) == cap
    assert math.isnan(z[2, 3]) and math.isnan(z[4, 6])
    assert heat_values_finite_or_nan(fig)
    sub = fig.layout.title.subtitle.text
    assert "capped" in sub and "2 non-finite cell" in sub
    # a smooth bowl is not clipped
    assert "capped" not in vl.landscape_figure(*grid()).layout.title.subtitle.text


def test_landscape_log_colour():
    alphas, betas, S = grid()
    S = S.copy()
    S[1, 1] = 0.0
    fig = vl.landscape_figure(alphas, betas, S, log_color=True)
    z = np.asarray(fig.data[0].z)
    positive = S > 0
    np.testing.assert_allclose(z[positive], np.log10(S[positive]))
    assert z[1, 1] == pytest.approx(np.log10(S[positive].min()))
    bar = fig.data[0].colorbar
    assert list(bar.ticktext) == [f"{10.0 ** v:g}" for v in bar.tickvals]


def test_landscape_surface_lifts_the_path_and_ends_the_arrow_in_a_cone():
    alphas, betas, S = grid()
    traj = np.array([[0.0, 0.0], [0.5, 0.25]])
    tl = (traj[:, 0] - 0.5) ** 2 + 3 * traj[:, 1] + 2.0
    fig = vl.landscape_figure(alphas, betas, S, mode="surface", trajectory=traj, trajectory_loss=tl,
                              current=(0.5, 0.25), arrow=((0.5, 0.25), (0.0, 0.0)))
    surf = fig.data[0]
    assert surf.type == "surface"
    np.testing.assert_array_equal(surf.x, alphas)
    np.testing.assert_array_equal(surf.y, betas)
    np.testing.assert_array_equal(surf.z, S)
    lift = vl.LIFT * (S.max() - S.min())
    path = next(t for t in fig.data if t.type == "scatter3d" and t.name == vl.LANDSCAPE_LABELS["trajectory"])
    np.testing.assert_allclose(path.z, tl + lift)
    cone = next(t for t in fig.data if t.type == "cone")
    assert (cone.x[0], cone.y[0]) == (0.0, 0.0) and cone.anchor == "tip"
    assert (cone.u[0], cone.v[0]) == (-0.5, -0.25)
    assert fig.layout.scene.uirevision


def test_bilinear_is_exact_on_a_plane():
    alphas, betas = np.linspace(-1, 1, 5), np.linspace(0, 2, 4)
    C = 2 * alphas[None, :] + 3 * betas[:, None]
    pts = np.array([[0.3, 1.1], [-1.0, 0.0], [1.0, 2.0], [0.1, 0.7]])
    np.testing.assert_allclose(vl.bilinear(alphas, betas, C, pts), 2 * pts[:, 0] + 3 * pts[:, 1])


def test_landscape_rejects_transposed_surface():
    alphas, betas, S = grid()
    with pytest.raises(ValueError):
        vl.landscape_figure(alphas, betas, S.T)


def test_compare_figure_distinct_styles_and_dropped_points():
    runs = {f"run {k}": (np.arange(1, 5), np.array([4.0, 3.0, 2.0, 1.0]) * (k + 1)) for k in range(4)}
    runs["run 0"] = (np.arange(1, 5), np.array([4.0, np.nan, 2.0, np.inf]))
    fig = vl.compare_figure(runs)
    assert [t.name for t in fig.data] == list(runs)
    assert len({t.line.color for t in fig.data}) == 4 and len({t.line.dash for t in fig.data}) == 4
    assert list(fig.data[0].x) == [1, 3] and "2 non-finite" in fig.layout.title.subtitle.text
    np.testing.assert_array_equal(fig.data[2].y, [12.0, 9.0, 6.0, 3.0])


def test_compare_landscape_draws_each_run_over_one_contour():
    alphas, betas, S = grid()
    runs = {"SGD": np.array([[0.0, 0.0], [0.3, 0.1]]), "Adam": np.array([[0.0, 0.0], [0.5, -0.2], [0.6, -0.3]])}
    fig = vl.compare_landscape(alphas, betas, S, runs)
    np.testing.assert_array_equal(fig.data[0].z, S)
    paths = [t for t in fig.data if t.name in runs]
    assert [t.name for t in paths] == ["SGD", "Adam"]
    np.testing.assert_array_equal(paths[1].x, runs["Adam"][:, 0])
    assert paths[0].line.color != paths[1].line.color


# -- every figure ---------------------------------------------------------------------------------------
def all_figures(xor, spirals, digits):
    ds = spirals.dataset
    xx, yy, g = vt.input_grid(ds.X_train, resolution=15)
    probs = digits.net.predict(digits.dataset.X_test)
    alphas, betas, S = grid()
    return {
        "activation": va.activation_figure("relu", (-1.0, 2.0)),
        "loss": va.loss_figure("bce", 1.0),
        "loss_curves": vt.loss_curves(spirals.history),
        "accuracy": vt.accuracy_curves(spirals.history),
        "boundary": vt.decision_boundary(spirals.net.predict(g), xx, yy, ds.X_train, ds.labels("train"),
                                         ds.X_test, ds.labels("test"), ds.task),
        "units": vt.hidden_units_grid(spirals.net.forward(g).layers[0].a, xx, yy),
        "gradients": vt.gradient_health(spirals.history, 3),
        "units_health": vt.unit_health(spirals.history, 3),
        "confusion": vt.confusion_matrix_figure(digits.dataset.labels("test"), probs.argmax(1),
                                                digits.dataset.class_names),
        "digits": vt.digit_grid(digits.dataset.X_test, digits.dataset.labels("test"), probs.argmax(1), probs),
        "filters": vt.first_layer_filters(digits.net.weights[0]),
        "weights": vw.weight_heatmaps(xor.net.weights, ["W1", "W2"]),
        "weight_lines": vw.weight_lines([1, 2], {"w": [0.1, 0.2]}),
        "landscape": vl.landscape_figure(alphas, betas, S, trajectory=np.array([[0.0, 0.0], [0.1, 0.1]])),
        "surface": vl.landscape_figure(alphas, betas, S, mode="surface"),
        "compare": vl.compare_figure({"a": ([1, 2], [1.0, 0.5])}),
        "compare_landscape": vl.compare_landscape(alphas, betas, S, {"a": np.zeros((2, 2))}),
    }


def test_every_figure_is_readable_on_a_projector_and_keeps_zoom(xor, spirals, digits):
    for name, fig in all_figures(xor, spirals, digits).items():
        assert isinstance(fig, go.Figure), name
        assert fig.layout.uirevision, name
        assert fig.layout.font.size >= 16 and fig.layout.title.font.size >= 16, name
        assert 300 <= fig.layout.height <= 1400, name
        assert scatter_arrays_finite(fig) and heat_values_finite_or_nan(fig), name
        for ann in fig.layout.annotations:
            assert ann.font.size is None or ann.font.size >= FONT["small"], name


def test_labels_override_defaults(spirals):
    zh = {"title": "\u6fc0\u6d3b\u51fd\u6570 {name}", "f": "\u51fd\u6570"}
    fig = va.activation_figure("tanh", labels=zh)
    assert fig.layout.title.text == "\u6fc0\u6d3b\u51fd\u6570 tanh" and fig.data[0].name == "\u51fd\u6570"
    loss = vt.loss_curves(spirals.history, labels={"test_loss": "\u6d4b\u8bd5\u635f\u5931"})
    assert loss.data[-1].name == "\u6d4b\u8bd5\u635f\u5931"
    land = vl.landscape_figure(*grid(), labels={"x": "\u65b9\u5411 1"})
    assert land.layout.xaxis.title.text == "\u65b9\u5411 1"
    assert vl.landscape_figure(*grid(), axis_titles=("w11", "w12")).layout.yaxis.title.text == "w12"
    cm = vt.confusion_matrix_figure([0], [0], ["a"], labels={"x": "\u9884\u6d4b"})
    assert cm.layout.xaxis.title.text == "\u9884\u6d4b"


def test_regression_dataset_session_curves():
    s = Session(Config(dataset="sine", hidden=(4,), hidden_act="tanh", output_act="linear", loss="mse",
                       lr=0.05, standardize=True))
    s.run(3)
    ds = s.dataset
    xx, yy, g = vt.input_grid(ds.X_train)
    fig = vt.decision_boundary(s.net.predict(g), xx, yy, ds.X_train, ds.Y_train, ds.X_test, ds.Y_test, ds.task)
    np.testing.assert_allclose(fig.data[-1].y, s.net.predict(g)[:, 0])
    assert not vt.accuracy_curves(s.history).data
