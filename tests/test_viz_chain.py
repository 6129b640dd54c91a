"""viz.equations chain_latex (the Chain-rule page): each factor against Mazur's published worked example,
hand-written NumPy backprop, central differences, and the elision of long sums."""

from __future__ import annotations

import math
import re

import pytest

from backprop_core import PRESETS, Session, numeric_gradient
from backprop_core.config import Config
from backprop_core.landscape import param_index
from viz.equations import ChainLatex, chain_latex, derivation, fmt, wrapped_sum

# Mazur, "A Step by Step Backpropagation Example" (2015), the published values.
MAZUR = {"dE_dout_o1": 0.74136507, "dout_dnet_o1": 0.186815602, "dE_dnet_o1": 0.138498562, "out_h1": 0.593269992,
         "dE_dw5": 0.082167041, "w5_new": 0.35891648, "dE_dout_h1": 0.036350306, "dout_dnet_h1": 0.241300709,
         "dE_dw1": 0.000438568, "w1_new": 0.149780716}
NUM = r"-?\d+(?:\.\d+)?(?:\\times10\^\{-?\d+\})?"


def num(s: str) -> float:
    """A number as fmt(latex=True) writes it: 0.1234 or 1.2\\times10^{-5}."""
    s = s.strip()
    if r"\times10^{" in s:
        m, e = s.split(r"\times10^{")
        return float(m) * 10.0 ** int(e.rstrip("}"))
    return float(s)


def final(line: str) -> float:
    """The value an equation (plain or aligned block) ends with."""
    body = line.removesuffix(r"\end{aligned}")
    return num(body.rsplit("= ", 1)[1])


def products(line: str) -> list[tuple[float, float]]:
    """Every ``x\\cdot y`` product of numbers in a line (terms of a written-out sum)."""
    pat = rf"\(?({NUM})\)?\\cdot\(?({NUM})\)?"
    return [(num(a), num(b)) for a, b in re.findall(pat, line)]


def stepped(config: Config) -> Session:
    s = Session(config)
    s.step()
    return s


@pytest.fixture(scope="module")
def worked():
    return stepped(PRESETS["worked"]).record


@pytest.fixture(scope="module")
def xor():
    return stepped(PRESETS["xor"])


# -- helpers -------------------------------------------------------------------------------------
def test_wrapped_sum_rows_and_elision():
    lab = {"more_terms": "{n} more terms"}
    assert wrapped_sum(["a", "b"], lab) == ["a + b"]
    assert wrapped_sum(list("abcdefg"), lab, per_row=3) == ["a + b + c", "+ d + e + f", "+ g"]
    ten = [f"t{k}" for k in range(10)]
    assert r"\cdots" not in " ".join(wrapped_sum(ten, lab))  # ten terms: written out in full
    long = wrapped_sum([f"t{k}" for k in range(128)], lab, per_row=5)
    assert long == [r"t0 + t1 + t2 + \underbrace{\cdots}_{\text{124 more terms}} + t127"]


def test_derivation_layout():
    assert derivation("x", "y", value=0.5, digits=4) == r"\begin{aligned}x &= y = 0.5\end{aligned}"
    two = derivation("x", "y", ["a + b", "+ c"], value=1.0, digits=4)
    assert two == r"\begin{aligned}x &= y \\ &= a + b \\ &\quad + c \\ &= 1\end{aligned}"


# -- the worked example ----------------------------------------------------------------------------
def test_output_weight_factors_match_mazur(worked):
    eq = chain_latex(worked, 1, "W", 0, 0, digits=9)
    d_a, d_f, d_z, d_w, term_s = eq.sample
    assert final(d_a) == pytest.approx(MAZUR["dE_dout_o1"], abs=2e-9)
    assert final(d_f) == pytest.approx(MAZUR["dout_dnet_o1"], abs=2e-9)
    assert final(d_z) == pytest.approx(MAZUR["dE_dnet_o1"], abs=2e-9)
    assert final(d_w) == pytest.approx(MAZUR["out_h1"], abs=2e-9)
    assert final(term_s) == pytest.approx(MAZUR["dE_dw5"], abs=2e-9)
    assert final(eq.batch[0]) == pytest.approx(MAZUR["dE_dw5"], abs=2e-9)
    assert r"\frac{0.75136507 - 0.01}{1}" in d_a  # (a - y)/n with n = 1
    assert r"\Big|_{s=1}" in d_a and "W^{(2)}_{11}" in eq.rule[0]


def test_result_line_has_gradient_and_new_weight(worked):
    eq = chain_latex(worked, 1, "W", 0, 0)
    assert eq.result[0] == r"\frac{\partial L}{\partial W^{(2)}_{11}} = 0.082167041"
    assert eq.result[1] == r"W^{(2)}_{11}:\; 0.4 \;\longrightarrow\; 0.35891648"
    assert isinstance(eq, ChainLatex)
    assert final(eq.update[0]) == pytest.approx(MAZUR["w5_new"], abs=1e-4)  # SGD line at 4 digits
    assert r"0.4 - 0.5\cdot0.08217" in eq.update[0] and "SGD" in eq.update[1]


def test_hidden_weight_sums_over_next_layer(worked):
    eq = chain_latex(worked, 0, "W", 0, 0, digits=9)
    d_a = eq.sample[0]
    assert r"\sum_{k=1}^{2}" in d_a
    dz2 = worked.backward.layers[1].dZ[0]
    terms = products(d_a)
    assert terms == [(pytest.approx(dz2[0], abs=1e-9), 0.4), (pytest.approx(dz2[1], abs=1e-9), 0.5)]
    assert final(d_a) == pytest.approx(MAZUR["dE_dout_h1"], abs=2e-9)
    assert final(eq.sample[1]) == pytest.approx(MAZUR["dout_dnet_h1"], abs=2e-9)
    assert final(eq.batch[0]) == pytest.approx(MAZUR["dE_dw1"], abs=2e-9)
    assert "x_{1}" in eq.sample[3] and final(eq.sample[3]) == 0.05  # the first layer's input is x
    assert eq.result[1].endswith("0.14978072")  # Mazur: 0.149780716


def test_bias_factor_is_one_and_frozen_update(worked):
    eq = chain_latex(worked, 0, "b", 0, 1, digits=8)
    assert r"\frac{\partial z^{(1)}_{2}}{\partial b^{(1)}_{2}} = 1" in eq.sample
    db = float(worked.backward.layers[0].db[1])
    assert final(eq.batch[0]) == pytest.approx(db, rel=1e-7)
    assert "not trained" in eq.update[-1]  # the worked preset keeps biases fixed
    assert eq.result[1].endswith(r"0.35 \;\longrightarrow\; 0.35")


def test_bad_kind_is_refused(worked):
    with pytest.raises(ValueError, match="kind"):
        chain_latex(worked, 0, "w", 0, 0)


# -- batches -----------------------------------------------------------------------------------------
def test_batch_terms_are_each_samples_product_and_sum_to_the_gradient(xor):
    rec, net = xor.record, xor.net_before(xor.record)
    eq = chain_latex(rec, 0, "W", 1, 2, sample=2, digits=10)
    a_prev, dz = rec.forward.x[:, 1], rec.backward.layers[0].dZ[:, 2]
    terms = products(eq.batch[0])
    assert len(terms) == 4 == rec.batch.size
    for (d, a), d_ref, a_ref in zip(terms, dz, a_prev):
        assert d == pytest.approx(d_ref, rel=1e-9, abs=1e-15) and a == pytest.approx(a_ref, abs=1e-12)
    g = final(eq.batch[0])
    assert g == pytest.approx(sum(d * a for d, a in terms), rel=1e-8, abs=1e-14)
    idx = param_index(net, 0, "W", 1, 2)
    assert g == pytest.approx(numeric_gradient(net, rec.forward.x, rec.Y, index=idx), rel=1e-6, abs=1e-12)
    # sample 3's own term is the third product of the sum
    assert final(eq.sample[-1]) == pytest.approx(dz[2] * a_prev[2], rel=1e-9, abs=1e-15)


def test_long_sums_are_elided_ten_are_not():
    rec = stepped(PRESETS["digits"].replace(n_samples=200)).record  # 64-128-10
    eq = chain_latex(rec, 0, "W", 5, 3, sample=1)
    assert r"\sum_{k=1}^{10}" in eq.sample[0] and r"\cdots" not in eq.sample[0]
    assert len(products(eq.sample[0])) == 10
    assert r"\cdots" in eq.batch[0] and f"{rec.batch.size - 4} more terms" in eq.batch[0]
    wide = stepped(Config(dataset="xor", hidden=(3, 128), seed=1)).record
    line = chain_latex(wide, 0, "W", 0, 0, labels={"more_terms": "另外 {n} 项"}).sample[0]
    assert r"\sum_{k=1}^{128}" in line and "另外 124 项" in line and len(products(line)) == 4


# -- other activations, losses, penalties and optimizers -----------------------------------------------
def check_against_central_differences(s: Session, layer: int, kind: str, i: int, j: int) -> None:
    rec, net = s.record, s.net_before(s.record)
    eq = chain_latex(rec, layer, kind, i, j, digits=10)
    idx = param_index(net, layer, kind, i if kind == "W" else None, j)
    ref = numeric_gradient(net, rec.forward.x, rec.Y, index=idx)
    assert final(eq.batch[0]) == pytest.approx(ref, rel=1e-5, abs=1e-9)


def test_fused_loss_skips_dl_da():
    s = stepped(PRESETS["moons"])  # tanh hidden, sigmoid + BCE output
    eq = chain_latex(s.record, 1, "W", 2, 0, sample=4, digits=9)
    assert not any(r"\partial a^{(2)}" in line for line in eq.sample[:1])
    a, y = s.record.forward.output[4, 0], s.record.Y[4, 0]
    assert final(eq.sample[0]) == pytest.approx((a - y) / s.record.batch.size, rel=1e-7)
    assert "sigmoid + BCE" in eq.sample[1]
    check_against_central_differences(s, 1, "W", 2, 0)
    assert "(1 - " in chain_latex(s.record, 0, "W", 0, 1).sample[1]  # the tanh hidden layer: 1 - a^2


def test_softmax_relu_adam():
    s = stepped(PRESETS["digits_fast"].replace(n_samples=200))  # relu hidden, softmax + CE, Adam
    eq = chain_latex(s.record, 0, "W", 10, 4, sample=0)
    assert "Adam" in eq.update[-1] and r"w + \Delta" in eq.update[0]
    new = float(s.record.update.new_weights[0][10, 4])
    assert final(eq.update[0]) == pytest.approx(new, rel=1e-3)
    assert eq.result[1].endswith(fmt(new, 8, latex=True))
    check_against_central_differences(s, 0, "W", 10, 4)


def test_l2_penalty_term_and_momentum():
    s = stepped(PRESETS["xor"].replace(reg="l2", reg_rate=0.1, optimizer="momentum", lr=0.5))
    eq = chain_latex(s.record, 1, "W", 1, 0, digits=10)
    w = float(s.record.update.old_weights[1][1, 0])
    assert r"\lambda W_{21}" in eq.batch[0] and rf"0.1\cdot{fmt(w, 10, latex=True)}" in eq.batch[0]
    check_against_central_differences(s, 1, "W", 1, 0)
    assert "momentum" in eq.update[-1]
    assert not chain_latex(s.record, 1, "b", 0, 0).batch[0].count(r"\lambda")  # biases carry no penalty


@pytest.mark.parametrize("act", ["relu", "leaky_relu", "tanh", "linear"])
def test_hidden_activations_match_central_differences(act):
    s = stepped(PRESETS["xor"].replace(hidden_act=act, seed=3))
    check_against_central_differences(s, 0, "W", 0, 1)
    z = s.record.forward.layers[0].z[:, 2]
    if act in ("tanh", "linear") or not (z == 0).any():  # at z = 0 exactly ReLU has a kink: no derivative
        check_against_central_differences(s, 0, "b", 0, 2)
    eq = chain_latex(s.record, 0, "W", 0, 1, sample=1, digits=10)
    z = float(s.record.forward.layers[0].z[1, 1])
    a = float(s.record.forward.layers[0].a[1, 1])
    expect = {"relu": float(z > 0), "leaky_relu": 1.0 if z > 0 else 0.01, "tanh": 1 - a * a, "linear": 1.0}[act]
    assert final(eq.sample[1]) == pytest.approx(expect, rel=1e-9)


def test_softmax_with_mse_uses_the_jacobian_product():
    cfg = Config(dataset="digits", n_samples=100, hidden=(8,), output_act="softmax", loss="mse", test_ratio=0.2)
    s = stepped(cfg)
    eq = chain_latex(s.record, 1, "W", 3, 2, sample=5, digits=10)
    assert r"\sum_k" in eq.sample[1] and r"\mathrm{softmax}'" in eq.rule[0]
    assert final(eq.sample[1]) == pytest.approx(float(s.record.backward.layers[1].dZ[5, 2]), rel=1e-8)
    check_against_central_differences(s, 1, "W", 3, 2)
    assert math.isfinite(final(eq.batch[0]))
