"""viz.equations: the printed numbers against hand-worked values (Mazur's published worked example),
first-step optimizer identities and independent NumPy recomputation."""

from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path

import numpy as np
import pytest

from backprop_core import PRESETS, Session
from backprop_core.session import Phase
from viz.equations import (
    TABLE_KEYS,
    fmt,
    forward_latex,
    loss_latex,
    sample_losses,
    table_rows,
    term,
    update_latex,
)
from viz.equations import backward_latex as bwd_latex
from viz.reveal import reveal_of

# Mazur, "A Step by Step Backpropagation Example" (2015): the published intermediate values.
MAZUR = {
    "net_h1": 0.3775, "out_h1": 0.593269992, "net_o1": 1.105905967, "out_o1": 0.75136507,
    "E_total": 0.298371109, "dE_dout_o1": 0.74136507, "dE_dnet_o1": 0.138498562,
    "dE_dw5": 0.082167041, "w5_new": 0.35891648, "dE_dout_h1": 0.036350306, "dE_dw1": 0.000438568,
    "w1_new": 0.149780716,
}


def value_of(line: str) -> float:
    """The number after the last '= ' of a LaTeX line (plain or a\\times10^{e})."""
    s = line.rsplit("= ", 1)[1].strip()
    if r"\times10^{" in s:
        m, e = s.split(r"\times10^{")
        return float(m) * 10.0 ** int(e.rstrip("}"))
    return float(s)


def walked(config, phases: int | None = None) -> Session:
    s = Session(config)
    if phases is None:
        s.step()
    else:
        for _ in range(phases):
            s.next_phase()
    return s


@pytest.fixture(scope="module")
def worked():
    return walked(PRESETS["worked"]).record


# -- fmt -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("x, plain, latex", [
    (0.3775, "0.3775", "0.3775"),
    (0.082167041, "0.08217", "0.08217"),
    (-0.02260254, "-0.0226", "-0.0226"),
    (1.23e-7, "1.23e-7", r"1.23\times10^{-7}"),
    (-4.5e-5, "-4.5e-5", r"-4.5\times10^{-5}"),
    (123456789.0, "1.235e8", r"1.235\times10^{8}"),
    (9.99996e-6, "1e-5", r"1\times10^{-5}"),  # mantissa rounding carries into the exponent
    (12345.6, "12346", "12346"),
    (0.0, "0", "0"),
    (-0.0, "0", "0"),
    (-1e-9 * 0.0, "0", "0"),
    (0.99996, "1", "1"),
])
def test_fmt_significant_digits(x, plain, latex):
    assert fmt(x) == plain
    assert fmt(x, latex=True) == latex


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf"), None])
def test_fmt_non_finite_is_a_dash(bad):
    assert fmt(bad) == "\u2014"
    assert "nan" not in fmt(bad, latex=True).lower() and "inf" not in fmt(bad, latex=True)


def test_fmt_digits_and_term_parentheses():
    assert fmt(math.pi, 2) == "3.1" and fmt(math.pi, 6) == "3.14159"
    assert term(-0.2) == "(-0.2)" and term(0.2) == "0.2"


# -- forward ---------------------------------------------------------------------------------------
def test_forward_hidden_matches_mazur(worked):
    z_line, a_line = forward_latex(worked, 0, 0, 0)
    assert r"0.05\cdot0.15 + 0.1\cdot0.2 + 0.35" in z_line
    assert z_line.endswith("= " + fmt(MAZUR["net_h1"]))
    assert value_of(a_line) == pytest.approx(MAZUR["out_h1"], rel=1e-3)
    assert r"\sigma" in a_line and "e^{-0.3775}" in a_line
    assert fmt(1 / (1 + math.exp(-0.3775))) == a_line.rsplit("= ", 1)[1]


def test_forward_output_matches_mazur(worked):
    z_line, a_line = forward_latex(worked, 1, 0, 0)
    h1, h2 = 1 / (1 + math.exp(-0.3775)), 1 / (1 + math.exp(-(0.05 * 0.25 + 0.1 * 0.30 + 0.35)))
    assert f"{fmt(h1)}\\cdot0.4 + {fmt(h2)}\\cdot0.45 + 0.6" in z_line
    assert z_line.rsplit("= ", 1)[1] == fmt(MAZUR["net_o1"])
    assert a_line.rsplit("= ", 1)[1] == fmt(MAZUR["out_o1"])


def test_forward_long_sum_is_elided_with_count():
    rec = walked(PRESETS["digits"]).record
    z_line, _ = forward_latex(rec, 0, 3, 2)
    assert r"\cdots" in z_line and "61 more terms" in z_line
    assert value_of(z_line) == pytest.approx(float(rec.forward.layers[0].z[2, 3]), rel=1e-3, abs=1e-4)
    z_cn, _ = forward_latex(rec, 0, 3, 2, labels={"more_terms": "另有 {n} 项"})
    assert "另有 61 项" in z_cn


def test_forward_symbols_per_activation():
    sp = walked(PRESETS["spirals"]).record  # tanh hidden
    assert r"\tanh(" in forward_latex(sp, 0, 1, 0)[1]
    lk = walked(PRESETS["xor"].replace(hidden_act="leaky_relu", output_act="linear")).record
    a_hidden, a_out = forward_latex(lk, 0, 0, 1)[1], forward_latex(lk, 1, 0, 1)[1]
    assert r"\mathrm{LReLU}" in a_hidden
    z = float(lk.forward.layers[0].z[1, 0])
    assert value_of(a_hidden) == pytest.approx(z if z > 0 else 0.01 * z, rel=1e-3)
    assert a_out.count("=") == 2  # linear: a = z = value
    rl = walked(PRESETS["digits_fast"]).record  # relu hidden, softmax output
    assert r"\max(0," in forward_latex(rl, 0, 0, 0)[1]


def test_softmax_line_shows_normaliser():
    rec = walked(PRESETS["digits_fast"]).record
    line = forward_latex(rec, 1, 4, 7)[1]
    z = rec.forward.layers[1].z[7]
    num, den = math.exp(z[4]), sum(math.exp(v) for v in z)  # independent of the core's shifted softmax
    frac = line.rsplit("= ", 2)[1].strip()
    assert frac == rf"\frac{{{fmt(num)}}}{{{fmt(den)}}}"
    assert value_of(line) == pytest.approx(num / den, rel=1e-3)


# -- loss ----------------------------------------------------------------------------------------
def test_loss_matches_mazur(worked):
    per, mean = loss_latex(worked, 0)
    assert r"(0.7514 - 0.01)^2" in per and r"(0.7729 - 0.99)^2" in per
    assert per.rsplit("= ", 1)[1] == fmt(MAZUR["E_total"])
    assert mean.rsplit("= ", 1)[1] == fmt(MAZUR["E_total"])
    assert len(loss_latex(worked)) == 1  # no sample: the batch mean only


def test_sample_losses_mean_is_core_loss_for_each_loss():
    for name in ("xor", "moons", "digits_fast"):
        rec = walked(PRESETS[name]).record
        per = sample_losses(rec)
        assert np.mean(per[:]) == pytest.approx(rec.backward.data_loss, rel=1e-12)
        if rec.settings.loss == "mse":  # by hand: half the squared error of each row
            hand = 0.5 * ((rec.forward.output - rec.Y) ** 2).sum(axis=1)
            assert np.allclose(per[:], hand, rtol=1e-12)


def test_bce_sample_term_by_hand():
    rec = walked(PRESETS["moons"]).record
    a, y = float(rec.forward.output[3, 0]), float(rec.Y[3, 0])
    hand = -(y * math.log(a) + (1 - y) * math.log(1 - a))
    assert value_of(loss_latex(rec, 3)[0]) == pytest.approx(hand, rel=1e-3)


def test_l2_penalty_line():
    rec = walked(PRESETS["worked"].replace(reg="l2", reg_rate=0.01)).record
    lines = loss_latex(rec, 0)
    ws = [0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55]
    penalty = 0.5 * 0.01 * sum(w * w for w in ws)
    assert len(lines) == 3
    assert fmt(penalty) in lines[2]
    assert value_of(lines[2]) == pytest.approx(MAZUR["E_total"] + penalty, rel=1e-3)


# -- backward ------------------------------------------------------------------------------------
def test_backward_output_matches_mazur(worked):
    lines = bwd_latex(worked, 1, 0, 0, i=0)
    da, dz, dw, db = lines[:4]
    assert da.rsplit("= ", 1)[1] == fmt(MAZUR["dE_dout_o1"])
    assert dz.rsplit("= ", 1)[1] == fmt(MAZUR["dE_dnet_o1"])
    assert r"0.7414\cdot 0.7514\,(1 - 0.7514)" in dz
    assert dw.rsplit("= ", 1)[1] == fmt(MAZUR["dE_dw5"])
    assert r"0.5933\cdot0.1385" in dw
    assert value_of(db) == pytest.approx(MAZUR["dE_dnet_o1"], rel=1e-3)  # dL/db = sum of dL/dz


def test_backward_hidden_matches_mazur(worked):
    da, dz, dw = bwd_latex(worked, 0, 0, 0, i=0)[:3]
    dnet_o2 = (0.772928465 - 0.99) * 0.772928465 * (1 - 0.772928465)
    assert rf"0.1385\cdot0.4 + {term(dnet_o2)}\cdot0.5" in da
    assert da.rsplit("= ", 1)[1] == fmt(MAZUR["dE_dout_h1"])
    assert dw.rsplit("= ", 1)[1] == fmt(MAZUR["dE_dw1"])


def test_fused_output_says_so_and_matches_a_minus_y():
    rec = walked(PRESETS["digits_fast"]).record
    lines = bwd_latex(rec, 1, 2, 5)
    n = rec.forward.x.shape[0]
    hand = (rec.forward.output[5, 2] - rec.Y[5, 2]) / n
    assert value_of(lines[1]) == pytest.approx(hand, rel=1e-3)
    assert "cancels" in lines[2]


def test_batch_gradient_is_a_sum_over_samples():
    rec = walked(PRESETS["xor"]).record
    dw = bwd_latex(rec, 1, 0, 0, i=2)[2]
    hand = sum(rec.forward.layers[0].a[s, 2] * rec.backward.layers[1].dZ[s, 0] for s in range(4))
    assert value_of(dw) == pytest.approx(hand, rel=1e-3)
    assert dw.count(r"\cdot") == 4  # all four samples' terms shown


def test_relu_derivative_is_the_indicator():
    rec = walked(PRESETS["digits_fast"]).record
    z = rec.forward.layers[0].z
    s, j = map(int, np.argwhere(z < 0)[0])
    dz = bwd_latex(rec, 0, j, s)[1]
    assert r"\underbrace{0}" in dz and value_of(dz) == 0


# -- update --------------------------------------------------------------------------------------
def test_sgd_update_matches_mazur(worked):
    line, note = update_latex(worked, 1, 0, 0)
    assert r"0.4 - 0.5\cdot0.08217" in line
    assert line.rsplit("= ", 1)[1] == fmt(MAZUR["w5_new"])
    assert "SGD" in note
    assert update_latex(worked, 0, 0, 0)[0].rsplit("= ", 1)[1] == fmt(MAZUR["w1_new"])


def test_frozen_bias_is_said(worked):
    line, note = update_latex(worked, 1, None, 0)
    assert value_of(line) == 0.6 and "not trained" in note


def test_adam_first_step_is_lr_times_sign():
    rec = walked(PRESETS["spirals"]).record  # Adam, lr 0.03: first step is -lr * g / (|g| + eps)
    g = float(rec.update.grad_weights[1][2, 3])
    line = update_latex(rec, 1, 2, 3)[0]
    step = f" {'-' if g > 0 else '+'} 0.03 = "
    assert step in line and r"w + \Delta" in line
    assert value_of(line) == pytest.approx(float(rec.update.old_weights[1][2, 3]) - 0.03 * np.sign(g), rel=1e-3)


def test_momentum_first_step_is_plain_gradient_step():
    rec = walked(PRESETS["xor"].replace(optimizer="momentum", lr=0.5)).record
    old, g = float(rec.update.old_weights[0][1, 2]), float(rec.update.grad_weights[0][1, 2])
    line = update_latex(rec, 0, 1, 2)[0]
    assert value_of(line) == pytest.approx(old - 0.5 * g, rel=1e-3)
    assert "momentum" in " ".join(update_latex(rec, 0, 1, 2))


# -- revealing and the table -----------------------------------------------------------------------
def test_reveal_follows_the_phase_order():
    assert reveal_of(Phase("forward", 0), 2).forward(0) and not reveal_of(Phase("forward", 0), 2).forward(1)
    assert not reveal_of(Phase("forward", 1), 2).loss and reveal_of(Phase("loss"), 2).loss
    bw = reveal_of(Phase("backward", 1), 2)
    assert bw.backward(1) and not bw.backward(0) and not bw.update
    assert reveal_of(Phase("update"), 2).update and reveal_of(None, 2).update and reveal_of(None, 2).forward(1)


def test_gated_latex_says_not_yet():
    s = walked(PRESETS["worked"], phases=1)
    rv = reveal_of(s.current_phase, 2)
    assert "not computed" in forward_latex(s.record, 1, 0, 0, reveal=rv)[0]
    assert forward_latex(s.record, 0, 0, 0, reveal=rv)[0].endswith("0.3775")
    assert "not computed" in loss_latex(s.record, 0, reveal=rv)[0]
    assert "not computed" in bwd_latex(s.record, 1, 0, 0, reveal=rv)[0]
    assert "not computed" in update_latex(s.record, 1, 0, 0, reveal=rv)[0]


def test_table_rows_reveal_phase_by_phase():
    s = Session(PRESETS["worked"])
    assert table_rows(None, None, 0) == []
    s.next_phase()  # forward, layer 1
    rows = table_rows(s.record, s.current_phase, 0)
    assert [r["unit"] for r in rows] == [0, 1] and set(rows[0]) == set(TABLE_KEYS)
    assert rows[0]["z"] == pytest.approx(0.3775) and rows[0]["a"] == pytest.approx(MAZUR["out_h1"])
    assert rows[0]["dL_dz"] is None and rows[0]["dL_dz_sum"] is None
    s.next_phase()
    s.next_phase()  # loss: output layer, still no gradients
    rows = table_rows(s.record, s.current_phase, 0)
    assert rows[0]["a"] == pytest.approx(MAZUR["out_o1"]) and rows[0]["dL_da"] is None
    s.next_phase()  # backward, output layer
    rows = table_rows(s.record, s.current_phase, 0)
    assert rows[0]["dL_da"] == pytest.approx(MAZUR["dE_dout_o1"], rel=1e-8)
    assert rows[0]["dL_dz"] == pytest.approx(MAZUR["dE_dnet_o1"], rel=1e-8)


def test_table_batch_mean_and_sum_by_hand():
    rec = walked(PRESETS["xor"]).record
    W, b = rec.update.old_weights[0], rec.update.old_biases[0]
    z = rec.forward.x @ W + b  # independent recomputation of the hidden layer
    rows = table_rows(rec, Phase("backward", 0), None)
    for j, row in enumerate(rows):
        assert row["z"] is None and row["dL_dz"] is None  # no sample selected
        assert row["z_mean"] == pytest.approx(z[:, j].mean(), rel=1e-12)
        assert row["a_mean"] == pytest.approx((1 / (1 + np.exp(-z[:, j]))).mean(), rel=1e-12)
        assert row["dL_dz_sum"] == pytest.approx(float(rec.backward.layers[0].db[j]), rel=1e-12)
    assert table_rows(rec, Phase("backward", 0), 99)[0]["z"] == pytest.approx(z[3, 0])  # clamped to the last


# -- every line renders in KaTeX (what st.latex uses) ---------------------------------------------------
KATEX_RUNNER = """
const fs = require('fs');
import(process.argv[1]).then(m => {
  const katex = m.default, lines = JSON.parse(fs.readFileSync(0, 'utf8')), bad = [];
  for (const l of lines) {
    try { katex.renderToString(l, {throwOnError: true, strict: 'error', displayMode: true}); }
    catch (e) { bad.push([l, e.message]); }
  }
  process.stdout.write(JSON.stringify(bad));
});
"""


def _katex_module():
    import glob
    import shutil

    import streamlit

    node = shutil.which("node")
    found = glob.glob(str(Path(streamlit.__file__).parent / "static" / "static" / "js" / "katex*.js"))
    return node, (found[0] if found else None)


def all_lines() -> list[str]:
    configs = [PRESETS["worked"], PRESETS["worked"].replace(reg="l2", reg_rate=0.01), PRESETS["spirals"],
               PRESETS["digits_fast"], PRESETS["moons"].replace(reg="l1", reg_rate=0.001),
               PRESETS["xor"].replace(hidden_act="leaky_relu", output_act="linear", optimizer="momentum"),
               PRESETS["xor"].replace(hidden_act="relu", output_act="softmax", loss="mse", dataset="blobs")]
    lines = []
    for cfg in configs:
        rec = walked(cfg).record
        n_layers = len(rec.forward.layers)
        for layer in range(n_layers):
            width = rec.forward.layers[layer].z.shape[1]
            for unit in {0, width - 1}:
                lines += forward_latex(rec, layer, unit, 1) + bwd_latex(rec, layer, unit, 1, i=0)
                lines += update_latex(rec, layer, 0, unit) + update_latex(rec, layer, None, unit)
        lines += loss_latex(rec, 1) + loss_latex(rec)
        lines += forward_latex(rec, n_layers - 1, 0, 0, reveal=reveal_of(Phase("forward", 0), n_layers))
    return lines + [f"x = {fmt(v, latex=True)}" for v in (float("nan"), -1.5e-7, 2.5e9)]


def test_every_line_renders_in_katex(tmp_path):
    node, katex = _katex_module()
    if node is None or katex is None:
        pytest.skip("needs node and the KaTeX bundled with streamlit")
    mod = tmp_path / "katex.mjs"
    mod.write_bytes(Path(katex).read_bytes())
    lines = all_lines()
    assert len(lines) > 100
    out = subprocess.run([node, "-e", KATEX_RUNNER, str(mod)], input=json.dumps(lines), capture_output=True,
                         text=True, timeout=120, check=True)
    assert json.loads(out.stdout) == []


def test_text_notes_escape_tex_specials(worked):
    lines = bwd_latex(worked, 1, 0, 0, labels={"per_sample": "50% of {s}_x {{y}} ^ \\ ~"})
    assert r"\text{50\% of 1\_x \{y\} \textasciicircum{} \textbackslash{} \textasciitilde{}}" in lines
