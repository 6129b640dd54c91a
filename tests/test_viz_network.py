"""viz.network: what the diagram shows at each phase, edge colours and widths, capping and focus."""

from __future__ import annotations

import numpy as np
import pytest

from backprop_core import PRESETS, Network, Session
from viz import palette as pal
from viz.equations import fmt
from viz.network import NETWORK_LABELS, DiagramView, network_figure, view_for


# -- reading a figure back ----------------------------------------------------------------------------
def role(fig, name):
    return [t for t in fig.data if t.meta and t.meta["role"] == name]


def edge_ids(fig) -> list[tuple[int, int, int]]:
    """(layer, i, j) of every edge's hover marker."""
    return [tuple(int(v) for v in row) for t in role(fig, "edge_hover") for row in t.customdata]


def edge_hovers(fig) -> dict[tuple[int, int, int], str]:
    return {tuple(int(v) for v in row): text for t in role(fig, "edge_hover")
            for row, text in zip(t.customdata, t.text)}


def neurons(fig):
    (tr,) = role(fig, "neurons")
    return tr


def neuron_text(fig) -> dict[tuple[int, int], str]:
    tr = neurons(fig)
    return {tuple(int(v) for v in cd): txt for cd, txt in zip(tr.customdata, tr.text)}


def neuron_hover(fig) -> dict[tuple[int, int], str]:
    tr = neurons(fig)
    return {tuple(int(v) for v in cd): txt for cd, txt in zip(tr.customdata, tr.hovertext)}


def segments(fig):
    """(trace, x0, y0, x1, y1) for every drawn line segment."""
    out = []
    for t in role(fig, "edges"):
        xs, ys = list(t.x), list(t.y)
        assert all(v is None for v in xs[2::3]) and all(v is None for v in ys[2::3])  # None separators
        for k in range(0, len(xs), 3):
            out.append((t, xs[k], ys[k], xs[k + 1], ys[k + 1]))
    return out


def all_text(fig) -> str:
    parts = [fig.layout.title.text or "", fig.layout.title.subtitle.text or ""]
    parts += [a.text for a in fig.layout.annotations]
    for t in fig.data:
        for attr in ("text", "hovertext"):
            v = getattr(t, attr, None)
            if v is not None:
                parts += list(v) if not isinstance(v, str) else [v]
    return "\n".join(parts)


def walked(config, phases: int) -> Session:
    s = Session(config)
    for _ in range(phases):
        s.next_phase()
    return s


def fig_at(s: Session, sample=0, **kw):
    return network_figure(s.net, view_for(s.record, s.current_phase, sample), **kw)


# -- worked example, phase by phase ---------------------------------------------------------------------
def test_nothing_stepped_shows_weights_only():
    s = Session(PRESETS["worked"])
    fig = fig_at(s)
    assert sorted(edge_ids(fig)) == [(l, i, j) for l in range(2) for i in range(2) for j in range(2)]
    hovers = edge_hovers(fig)
    assert "w = 0.15" in hovers[(0, 0, 0)] and "w = 0.55" in hovers[(1, 1, 1)]
    text = neuron_text(fig)  # no numbers computed yet: the inputs are blank, the others show their bias
    assert text[(0, 0)] == text[(0, 1)] == ""
    assert text[(1, 0)] == "b = 0.35" and text[(2, 1)] == "b = 0.6"  # Mazur's b1, b2
    assert "z =" not in all_text(fig) and "\u2202L" not in all_text(fig)
    assert fig.layout.title.text == NETWORK_LABELS["phase_none"]
    assert not [sh for sh in fig.layout.shapes if sh.name == "phase_band"]  # no phase, no band
    assert "weights w" in fig.layout.title.subtitle.text  # the edges' numbers are weights
    assert sorted(role(fig, "edge_values")[0].text) == sorted(["0.15", "0.2", "0.25", "0.3", "0.4", "0.45",
                                                               "0.5", "0.55"])


def test_first_forward_phase_reveals_only_layer_one():
    s = walked(PRESETS["worked"], 1)
    fig = fig_at(s)
    text = neuron_text(fig)
    assert text[(0, 0)] == "x = 0.05" and text[(0, 1)] == "x = 0.1"
    assert text[(1, 0)] == "b = 0.35<br>z = 0.3775<br>a = 0.5933"  # b beside z
    assert text[(2, 0)] == "b = 0.6" and text[(2, 1)] == "b = 0.6"
    hover = neuron_hover(fig)
    assert "z =" not in hover[(2, 0)] and "a =" not in hover[(2, 0)]
    everything = all_text(fig)
    for hidden_number in ("1.106", "0.7514", "0.2984", "\u2202L"):  # z_o1, a_o1, loss, any gradient
        assert hidden_number not in everything
    # highlighted: the band covers the first weight layer and hidden column, not the outputs
    (band,) = [sh for sh in fig.layout.shapes if sh.name == "phase_band"]
    assert band.x0 < 1 < band.x1 < 2
    line = neurons(fig).marker.line
    assert tuple(line.colorscale[0][1:]) == (pal.NEUTRAL,) and tuple(line.colorscale[-1][1:]) == (pal.HIGHLIGHT,)
    outline = dict(zip(map(tuple, neurons(fig).customdata.tolist()), line.color))
    assert outline[(1, 0)] == outline[(1, 1)] == 1  # highlighted
    assert outline[(0, 0)] == outline[(2, 0)] == 0
    cards = {sh.name: sh for sh in fig.layout.shapes if sh.name.startswith("card")}
    assert cards["card 1 0"].line.color == pal.HIGHLIGHT and cards["card 2 0"].line.color == pal.NEUTRAL
    assert cards["card 1 0"].label.text == text[(1, 0)]  # the card draws the neuron's lines


def test_loss_phase_shows_targets_and_loss_but_no_gradients():
    s = walked(PRESETS["worked"], 3)
    fig = fig_at(s)
    assert neuron_text(fig)[(2, 0)] == "b = 0.6<br>z = 1.106<br>a = 0.7514<br>y = 0.01"
    assert "L = 0.2984" in fig.layout.title.text
    assert "\u2202L" not in all_text(fig)


def test_backward_output_phase_shows_its_gradients_only():
    s = walked(PRESETS["worked"], 4)
    rec = s.record
    fig = fig_at(s)
    hovers = edge_hovers(fig)
    assert f"\u2202L/\u2202w = {float(rec.backward.layers[1].dW[0, 0])!r}" in hovers[(1, 0, 0)]
    assert repr(0.08216704056423078)[:8] in hovers[(1, 0, 0)]  # Mazur's dE/dw5 = 0.082167041
    assert "\u2202L/\u2202w" not in hovers[(0, 0, 0)]
    text = neuron_text(fig)
    # dL/da beside dL/dz: Mazur's dE/dout_o1 = 0.74136507, dE/dnet_o1 = 0.138498562
    assert text[(2, 0)].endswith("\u2202L/\u2202a = 0.7414<br>\u2202L/\u2202z = 0.1385")
    assert "\u2202L" not in text[(1, 0)]
    assert "\u2202L/\u2202w" in fig.layout.title.subtitle.text
    labels = role(fig, "edge_values")[0].text  # the output layer's edges show dL/dw, the first layer's w
    assert "0.08217" in labels and "0.15" in labels
    (band,) = [sh for sh in fig.layout.shapes if sh.name == "phase_band"]
    assert band.x0 < 2 < band.x1 and band.x0 > 1


def test_update_phase_shows_old_to_new():
    s = walked(PRESETS["worked"], 6)
    assert s.current_phase.kind == "update"
    hover = edge_hovers(fig_at(s))[(1, 0, 0)]
    new = float(s.record.update.new_weights[1][0, 0])
    assert f"old 0.4 \u2192 new {new!r}" in hover and fmt(new) == "0.3589"
    assert f"\u0394w = {new - 0.4!r}" in hover
    fig = fig_at(s)
    assert "0.3589" in role(fig, "edge_values")[0].text and "new weights" in fig.layout.title.subtitle.text
    assert neuron_text(fig)[(2, 0)].endswith("b = 0.6")  # the update phase's newest number: b (not trained here)


def test_step_back_hides_again():
    s = walked(PRESETS["worked"], 2)
    s.back_phase()
    assert "1.106" not in all_text(fig_at(s))


# -- colours, widths ----------------------------------------------------------------------------------
def signed_net():
    rng = np.random.default_rng(3)
    ws = [rng.normal(0, 1, (3, 4)), rng.normal(0, 1, (4, 2))]
    return Network((3, 4, 2), weights=ws, biases=[np.zeros(4), np.zeros(2)])


def test_edges_coloured_by_sign_and_width_monotone_in_abs_w():
    net = signed_net()
    fig = network_figure(net, DiagramView())
    ypos = {tuple(int(v) for v in cd): y for cd, y in zip(neurons(fig).customdata, neurons(fig).y)}
    unit_at = {(k, round(y, 9)): j for (k, j), y in ypos.items()}
    pairs, seen = [], set()
    for t, x0, y0, x1, y1 in segments(fig):
        li = int(round(x0))
        assert x1 == x0 + 1
        i, j = unit_at[(li, round(y0, 9))], unit_at[(li + 1, round(y1, 9))]
        w = net.weights[li][i, j]
        assert t.meta["sign"] == (1 if w >= 0 else -1)
        assert t.line.color == (pal.POSITIVE if w >= 0 else pal.NEGATIVE)
        pairs.append((abs(w), t.line.width))
        seen.add((li, i, j))
    assert len(seen) == 3 * 4 + 4 * 2 == len(pairs)
    assert {t.meta["sign"] for t, *_ in segments(fig)} == {1, -1}  # both signs present
    widths = [w for _, w in sorted(pairs)]
    assert widths == sorted(widths) and len(set(widths)) >= 3
    # one trace per (sign, bucket), not one per edge
    assert len(role(fig, "edges")) <= 2 * 5


def test_hover_colour_and_customdata_by_sign():
    net = signed_net()
    fig = network_figure(net, DiagramView())
    traces = role(fig, "edge_hover")
    assert sorted(t.meta["sign"] for t in traces) == [-1, 1]  # one trace per sign, both present
    # every one of the 3*4 + 4*2 = 20 edges has exactly one hover marker, in the trace of its sign
    ids = edge_ids(fig)
    assert sorted(ids) == sorted((li, i, j) for li, w in enumerate(net.weights)
                                 for i in range(w.shape[0]) for j in range(w.shape[1]))
    n_pos = sum(int((w >= 0).sum()) for w in net.weights)
    assert 0 < n_pos < 20
    for t in traces:
        assert len(t.customdata) == (n_pos if t.meta["sign"] > 0 else 20 - n_pos)
        for (li, i, j), text in zip(t.customdata, t.text):
            w = net.weights[li][i, j]
            assert (w >= 0) == (t.meta["sign"] > 0)
            assert f"w = {float(w)!r}" in text  # the hover carries the weight's own number, in full
        assert t.hoverlabel.bgcolor == (pal.POSITIVE if t.meta["sign"] > 0 else pal.NEGATIVE)
        assert t.marker.opacity == 0


def test_non_finite_values_are_not_drawn():
    w1 = np.array([[0.1, np.nan], [0.2, 0.3]])
    net = Network((2, 2, 1), weights=[w1, np.array([[0.5], [np.inf]])], biases=[np.zeros(2), np.zeros(1)])
    view = DiagramView(kind="forward", layer=0, sample=0, x=np.array([1.0, np.nan]),
                       z=(np.array([np.nan, 0.5]), None), a=(np.array([np.inf, 0.6]), None))
    fig = network_figure(net, view)
    assert len(edge_ids(fig)) == 4 and (0, 0, 1) not in edge_ids(fig) and (1, 1, 0) not in edge_ids(fig)
    assert "2 non-finite" in fig.layout.title.subtitle.text
    text = all_text(fig).lower()
    assert "nan" not in text and "inf" not in text
    assert neuron_text(fig)[(1, 0)] == "b = 0<br>z = \u2014<br>a = \u2014"


# -- wide networks ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def digits():
    return walked(PRESETS["digits"], 1)


def grid(fig, k):
    (tr,) = [t for t in role(fig, "grid") if t.meta["column"] == k]
    return tr


def test_digits_wide_layers_as_image_and_grid_with_k_strongest_edges(digits):
    fig = fig_at(digits, 3, image_side=8)
    img, hid = grid(fig, 0), grid(fig, 1)
    assert img.type == "heatmap" and img.meta["mode"] == "image" and np.shape(img.z) == (8, 8)
    assert hid.meta["mode"] == "grid" and len(hid.x) == 128
    x = digits.record.forward.x[3]  # the image is sample 4's pixels; pixel j at row j // 8, column j % 8
    assert np.array_equal(np.asarray(img.z).ravel(), x)
    assert len(img.x) == len(img.y) == 8 and list(img.y) == sorted(img.y, reverse=True)  # row 1 on top
    assert list(img.x) == sorted(img.x)
    z = digits.record.forward.layers[0].z[3]  # the hidden grid: coloured by the newest quantity, z here
    assert np.array_equal(hid.marker.color, z) and hid.meta["quantity"] == "z"
    assert [tuple(c) for c in hid.customdata[:2]] == [(1, 0), (1, 1)]
    assert f"z = {float(z[5])!r}" in hid.hovertext[5]
    per_col = np.bincount(neurons(fig).customdata[:, 0], minlength=3)
    assert per_col.tolist() == [0, 0, 10]  # only the outputs are units (cards or circles)
    assert len(edge_ids(fig)) == 40 == len(segments(fig))  # the default k = 20 per layer
    assert "20" in fig.layout.title.subtitle.text and "9,472" in fig.layout.title.subtitle.text
    assert not [a.text for a in fig.layout.annotations if "more" in a.text]  # nothing left out of a grid
    assert len(edge_ids(fig_at(digits, 3, image_side=8, edges_k=5))) == 10
    # an edge starts at its pixel's cell and ends at its hidden unit's cell
    (t, x0, y0, x1, y1) = segments(fig)[0]
    li, i, j = sorted(edge_ids(fig))[0]
    ends = {(float(hid.x[u]), float(hid.y[u])) for u in range(128)}
    ends |= {(float(img.x[u % 8]), float(img.y[u // 8])) for u in range(64)}  # an edge from pixel u starts there
    assert (x0, y0) in ends or (x1, y1) in ends


def test_mnist_input_is_the_28x28_image_and_the_hidden_layer_a_grid_of_100():
    s = walked(PRESETS["mnist"], 5)  # through the backward pass of layer 1
    fig = fig_at(s, 2, image_side=28, focus=(1, 22))
    img, hid = grid(fig, 0), grid(fig, 1)
    assert np.array_equal(np.asarray(img.z).ravel(), s.record.forward.x[2])
    assert tuple(np.asarray(img.customdata)[14, 15]) == (14 * 28 + 16, 15, 16)  # unit, row, column: 1-based
    assert img.hovertemplate.startswith("<b>input unit %{customdata[0]}</b> \u00b7 pixel (row %{customdata[1]}, "
                                        "column %{customdata[2]})<br>x = %{z")
    assert np.array_equal(hid.marker.color, s.record.backward.layers[0].dZ[2])
    got = [(li, i, j) for li, i, j in edge_ids(fig)]
    assert len(got) == 30 and all(j == 22 for li, i, j in got if li == 0)  # 20 in + all 10 out of unit 23
    dW = s.record.backward.layers[0].dW[:, 22]
    ins = sorted(i for li, i, j in got if li == 0)
    assert np.abs(dW[ins]).min() >= np.sort(np.abs(dW))[-20]  # ranked by dL/dw in this phase
    assert len(fig.data) <= 20  # a few traces, never one per weight


def test_digits_without_an_image_keeps_the_most_active_pixels(digits):
    fig = fig_at(digits, 3)
    assert not [t for t in role(fig, "grid") if t.meta["column"] == 0]
    more = [a.text for a in fig.layout.annotations if "more" in a.text]
    assert more == ["\u2026 48 more"]


def test_digits_inputs_collapsed_to_most_active_pixels(digits):
    fig = fig_at(digits, 3)
    shown = [j for k, j in neurons(fig).customdata if k == 0]
    x = digits.record.forward.x[3]
    assert np.abs(x[shown]).min() >= np.sort(np.abs(x))[-16]


def test_backward_edges_ranked_by_gradient():
    s = walked(PRESETS["digits"], 3)  # forward 1, forward 2, loss
    s.next_phase()  # backward, output layer
    fig = fig_at(s, 0)
    dW = s.record.backward.layers[1].dW
    drawn = {(i, j) for li, i, j in edge_ids(fig) if li == 1}
    undrawn = [(i, j) for i in range(128) for j in range(10) if (i, j) not in drawn]
    assert len(drawn) == 20
    assert min(abs(dW[i, j]) for i, j in drawn) >= max(abs(dW[i, j]) for i, j in undrawn)
    assert grid(fig, 1).meta["quantity"] == "z"  # the hidden layer's own gradients come next phase
    s.next_phase()
    dz = s.record.backward.layers[0].dZ[0]
    hid = grid(fig_at(s, 0), 1)
    assert np.array_equal(hid.marker.color, dz) and hid.meta["quantity"] == "\u2202L/\u2202z"


def test_focus_shows_that_units_k_strongest_edges(digits):
    fig = fig_at(digits, 3, focus=(1, 5))
    w0 = np.abs(digits.net.weights[0][:, 5])
    strongest = set(np.argsort(-w0, kind="stable")[:20].tolist())
    got = set(edge_ids(fig))
    assert {i for li, i, j in got if li == 0} == strongest and all(j == 5 for li, i, j in got if li == 0)
    assert {(li, i, j) for li, i, j in got if li == 1} == {(1, 5, j) for j in range(10)}  # all 10 out (10 <= k)
    assert "20 strongest" in fig.layout.title.subtitle.text
    line = grid(fig, 1).marker.line.width
    assert line[5] > 0 and np.count_nonzero(line) == 1  # the focused cell is outlined
    out = network_figure(digits.net, None, focus=(2, 9))
    assert set(edge_ids(out)) == {(1, i, 9) for i in np.argsort(-np.abs(digits.net.weights[1][:, 9]),
                                                                  kind="stable")[:20]}


# -- plumbing ---------------------------------------------------------------------------------------
def test_labels_translate_every_string():
    s = walked(PRESETS["worked"], 1)
    zh = {"input": "输入", "hidden": "隐藏层", "output": "输出", "phase_forward": "前向传播：第 {layer} 层",
          "sample": "样本 {s}"}
    fig = fig_at(s, labels=zh)
    heads = [a.text for a in fig.layout.annotations]
    assert "<b>输入</b> (2)" in heads and "<b>隐藏层</b> (2)" in heads
    assert fig.layout.title.text.startswith("前向传播：第 1 层") and "样本 1" in fig.layout.title.text
    assert "隐藏层 1 \u2192" in "".join(edge_hovers(fig).values())


def test_layout_basics():
    fig = network_figure(Session(PRESETS["worked"]).net, None, height=480)
    assert fig.layout.uirevision and fig.layout.height == 480
    assert fig.layout.xaxis.visible is False and fig.layout.yaxis.visible is False
    assert all(a.font.size is None or a.font.size >= 16 for a in fig.layout.annotations)
    assert all(sh.label.font.size >= 16 for sh in fig.layout.shapes if sh.name.startswith("card"))
    big = network_figure(Session(PRESETS["worked"]).net, None, projector=True)
    assert big.layout.height > 480 and all(a.font.size >= 24 for a in big.layout.annotations)
    assert all(sh.label.font.size >= 24 for sh in big.layout.shapes if sh.name.startswith("card"))


def test_batch_mean_view_and_stale_record():
    s = walked(PRESETS["xor"], 4)  # forward 1, forward 2, loss, backward 2
    v = view_for(s.record, s.current_phase, None)
    z = s.record.forward.x @ s.record.update.old_weights[0] + s.record.update.old_biases[0]
    assert np.allclose(v.z[0], z.mean(axis=0), rtol=1e-12)
    assert np.allclose(v.dZ[1], s.record.backward.layers[1].db, rtol=1e-12)  # gradients: batch sum
    assert v.dZ[0] is None and v.sample is None
    other = Session(PRESETS["worked"]).net  # 2-2-2 net given a 2-3-1 record: weights only
    fig = network_figure(other, v)
    assert fig.layout.title.text == NETWORK_LABELS["phase_none"] and len(edge_ids(fig)) == 8


@pytest.mark.parametrize("preset", ["xor", "digits_fast"])
def test_unvalidated_figure_is_valid_plotly(preset):
    """network_figure skips plotly's validation for speed: every phase's figure must pass it in full
    and serialise to the same JSON."""
    import json

    import plotly.graph_objects as go
    import plotly.io as pio

    s = Session(PRESETS[preset])
    s.step()
    s.step()
    rec = s.record
    views = [DiagramView()] + [view_for(rec, ph, 0) for ph in s.phases] + [view_for(rec, s.phases[-1], None)]
    for view in views:
        for focus in (None, (1, 0)):
            fast = network_figure(s.net_before(rec), view, focus=focus)
            checked = go.Figure(fast.to_dict())  # raises on any invalid property
            assert json.loads(pio.to_json(checked)) == json.loads(pio.to_json(fast, validate=False))
