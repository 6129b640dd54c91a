"""LaTeX of one neuron's or one weight's equations with the record's numbers substituted.

Every value printed at the end of an equation ("... = 0.3775") is the core's own number from the
StepRecord, never a recomputation, so the screen cannot disagree with the engine; the expanded
terms in between are the inputs the core used. Indices: ``layer`` is the 0-based weight layer of
the code (shown as l = layer + 1), ``unit``/``i``/``j`` 0-based (shown 1-based), ``sample`` a row
of the record's batch (shown 1-based).

Each ``*_latex`` function returns a tuple of lines; each line is one standalone equation for
``st.latex`` (and, when it is an equation, ends with ``= <value>``) or a ``\\text{...}`` note.
Plain words come from a ``labels`` mapping with English defaults (``EQUATION_LABELS``).

Which numbers a phase has shown (``Reveal``, ``reveal_of``) lives in ``viz.reveal``; the functions
here and the diagram take a ``Reveal`` so nothing appears before its phase.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from backprop_core.activations import ACTIVATIONS, LEAKY_SLOPE
from backprop_core.losses import LOSSES

from .common import merge_labels
from .reveal import Reveal, active_layer, clamp_sample, reveal_of

Array = np.ndarray

DASH = "\u2014"  # shown instead of NaN / inf
MAX_TERMS = 4  # sums with more terms show the first MAX_TERMS - 1 and "\cdots"

EQUATION_LABELS: dict[str, str] = {
    "more_terms": "{n} more terms",
    "sample": "sample {s} of the batch",
    "batch_mean": "batch mean",
    "batch_sum": "batch sum",
    "per_sample": "\u2202L/\u2202a, \u2202L/\u2202z: sample {s} of the batch",
    "summed": "\u2202L/\u2202W, \u2202L/\u2202b: summed over the batch (n = {n}); each \u2202L/\u2202z already "
              "carries the 1/n of the mean",
    "fused": "{act} + {loss}: the f\u2032(z) cancels, so \u2202L/\u2202z = (a \u2212 y)/n directly",
    "not_yet": "not computed yet at this phase",
    "penalty": "regularisation",
    "optimizer": "optimizer: {name}",
    "frozen_bias": "biases are not trained: b stays",
    "relu_on": "z > 0",
    "relu_off": "z \u2264 0",
}


# -- numbers ------------------------------------------------------------------------------------
def fmt(x: float | None, digits: int = 4, *, latex: bool = False) -> str:
    """``digits`` significant digits, trailing zeros dropped; scientific below 1e-4 or from 1e6 on;
    DASH for None/NaN/inf. ``latex=True`` writes ``1.2\\times10^{-5}`` (math-mode minus)."""
    if x is None or not math.isfinite(x):
        return r"\text{" + DASH + "}" if latex else DASH
    x = float(x)
    if x == 0:
        return "0"
    e = math.floor(math.log10(abs(x)))
    if e < -4 or e >= 6:
        m = round(x / 10.0**e, max(0, digits - 1))
        if abs(m) >= 10:  # rounding carried into the next power of ten
            m, e = m / 10, e + 1
        ms = _strip(f"{m:.{max(0, digits - 1)}f}")
        return rf"{ms}\times10^{{{e}}}" if latex else f"{ms}e{e}"
    s = _strip(f"{x:.{max(0, digits - 1 - e)}f}")
    return "0" if s in ("-0", "0") else s


def _strip(s: str) -> str:
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s == "-0" else s


def term(x: float, digits: int = 4) -> str:
    """A LaTeX factor: negative numbers in parentheses, so ``a\\cdot(-0.2)`` reads right."""
    s = fmt(x, digits, latex=True)
    return f"({s})" if s.startswith("-") else s


def _plus(x: float, digits: int) -> str:
    """`` + 0.35`` or `` - 0.35``: a number appended to a sum."""
    s = fmt(x, digits, latex=True)
    return f" - {s[1:]}" if s.startswith("-") else f" + {s}"


_TEX_ESCAPES = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "^": r"\textasciicircum{}",
                "~": r"\textasciitilde{}", **{ch: "\\" + ch for ch in "%&#_$"},
                # math symbols KaTeX's text mode lacks: typeset them in math mode
                "\u2202": r"$\partial$", "\u2032": "$'$", "\u2212": "$-$", "\u2264": r"$\le$", "\u03b7": r"$\eta$",
                "\u0394": r"$\Delta$", "\u03a3": r"$\Sigma$", "\u03bb": r"$\lambda$"}


def _text(s: str) -> str:
    """Plain words inside LaTeX, with TeX specials escaped (one pass, so escapes are not re-escaped)."""
    return r"\text{" + "".join(_TEX_ESCAPES.get(ch, ch) for ch in s) + "}"


def _sub(*idx: int) -> str:
    """1-based subscript from 0-based indices: ``_{12}`` for single digits, ``_{1,12}`` otherwise."""
    parts = [str(k + 1) for k in idx]
    sep = "," if any(len(p) > 1 for p in parts) else ""
    return "_{" + sep.join(parts) + "}"


def _isub(j: int, letter: str = "i", first: bool = True) -> str:
    """Subscript pairing a letter with 1-based unit j: ``_{i1}`` / ``_{1k}``, comma for 2+ digits."""
    k = str(j + 1)
    sep = "," if len(k) > 1 else ""
    return "_{" + (letter + sep + k if first else k + sep + letter) + "}"


class _Each(Sequence):
    """Terms f(a[k], b[k], ...) formatted on demand: a long sum only formats the ones it shows."""

    def __init__(self, f, *arrays) -> None:
        self.f, self.arrays = f, arrays

    def __len__(self) -> int:
        return len(self.arrays[0])

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(len(self)))]
        return self.f(*(a[k] for a in self.arrays))


def _sum(parts: Sequence[str], lab: Mapping[str, str]) -> str:
    """Join terms with +, eliding the middle of long sums (with the count left out)."""
    if len(parts) <= MAX_TERMS:
        return " + ".join(parts)
    k = MAX_TERMS - 1
    more = lab["more_terms"].format(n=len(parts) - k)
    return " + ".join(parts[:k]) + r" + \underbrace{\cdots}_{" + _text(more) + "}"


def _eq(lhs: str, *rhs: str, value: float, digits: int) -> str:
    """``lhs = rhs_1 = ... = value``."""
    return " = ".join((lhs, *rhs, fmt(value, digits, latex=True)))


def _a_prev(record, layer: int) -> Array:
    return record.forward.x if layer == 0 else record.forward.layers[layer - 1].a


def _not_yet(lab: Mapping[str, str]) -> tuple[str, ...]:
    return (_text(lab["not_yet"]),)


# -- forward ------------------------------------------------------------------------------------
def forward_latex(record, layer: int, unit: int, sample: int = 0, *, labels: Mapping[str, str] | None = None,
                  digits: int = 4, reveal: Reveal | None = None) -> tuple[str, ...]:
    """z = sum_i a_prev_i W_ij + b_j with numbers, then a = f(z) with numbers."""
    lab = merge_labels(EQUATION_LABELS, labels)
    if reveal is not None and not reveal.forward(layer):
        return _not_yet(lab)
    s = clamp_sample(record, sample)
    lw, j = layer + 1, unit
    a_prev = _a_prev(record, layer)[s]
    w = record.update.old_weights[layer][:, j]
    b = float(record.update.old_biases[layer][j])
    lf = record.forward.layers[layer]
    z, a = float(lf.z[s, j]), float(lf.a[s, j])
    zs = f"z^{{({lw})}}{_sub(j)}"
    products = _Each(lambda ai, wi: f"{term(ai, digits)}\\cdot{term(wi, digits)}", a_prev, w)
    line_z = _eq(zs, rf"\sum_i a^{{({lw - 1})}}_i W^{{({lw})}}{_isub(j)}"
                 rf" + b^{{({lw})}}{_sub(j)}", _sum(products, lab) + _plus(b, digits), value=z, digits=digits)
    act = record.settings.activations[layer]
    line_a = _activation_line(act, lw, j, z, a, lf.z[s], digits, lab)
    return line_z, line_a


def _activation_line(act: str, lw: int, j: int, z: float, a: float, z_row: Array, digits: int,
                     lab: Mapping[str, str]) -> str:
    lhs = f"a^{{({lw})}}{_sub(j)}"
    zn = fmt(z, digits, latex=True)
    if act == "sigmoid":
        return _eq(lhs, rf"\sigma(z^{{({lw})}}{_sub(j)})", rf"\frac{{1}}{{1 + e^{{{fmt(-z, digits, latex=True)}}}}}",
                   value=a, digits=digits)
    if act == "tanh":
        return _eq(lhs, rf"\tanh(z^{{({lw})}}{_sub(j)})", rf"\tanh({zn})", value=a, digits=digits)
    if act == "relu":
        return _eq(lhs, rf"\mathrm{{ReLU}}(z^{{({lw})}}{_sub(j)})", rf"\max(0, {zn})", value=a, digits=digits)
    if act == "leaky_relu":
        step = zn if z > 0 else rf"{fmt(LEAKY_SLOPE, digits, latex=True)}\cdot{term(z, digits)}"
        return _eq(lhs, rf"\mathrm{{LReLU}}(z^{{({lw})}}{_sub(j)})", step, value=a, digits=digits)
    if act == "softmax":
        return _softmax_line(lhs, lw, j, z_row, a, digits, lab)
    return _eq(lhs, f"z^{{({lw})}}{_sub(j)}", value=a, digits=digits)  # linear (identity)


def _softmax_line(lhs: str, lw: int, j: int, z_row: Array, a: float, digits: int, lab: Mapping[str, str]) -> str:
    """a_j = e^{z_j} / sum_k e^{z_k}; shifted by m = max_k z_k when e^z would overflow."""
    m = float(np.max(z_row))
    shift = m > 700
    zr = z_row - m if shift else z_row
    e = np.exp(zr)
    zsym = f"z^{{({lw})}}"
    if shift:
        sym = rf"\frac{{e^{{{zsym}_{{{j + 1}}} - m}}}}{{\sum_k e^{{{zsym}_k - m}}}}"
    else:
        sym = rf"\frac{{e^{{{zsym}_{{{j + 1}}}}}}}{{\sum_k e^{{{zsym}_k}}}}"
    den = _sum(_Each(lambda v: f"e^{{{fmt(v, digits, latex=True)}}}", zr), lab)
    num = f"e^{{{fmt(zr[j], digits, latex=True)}}}"
    vals = rf"\frac{{{fmt(e[j], digits, latex=True)}}}{{{fmt(float(e.sum()), digits, latex=True)}}}"
    return _eq(lhs, sym, rf"\frac{{{num}}}{{{den}}}", vals, value=a, digits=digits)


# -- loss ---------------------------------------------------------------------------------------
def sample_loss(record, s: int) -> float:
    """Sample s's data loss: the core's own loss function on that one row, so the terms shown always
    average to the core's data_loss whatever clipping the core applies."""
    out, y = record.forward.output, record.Y
    return float(LOSSES[record.settings.loss].value(out[s:s + 1], y[s:s + 1]))


def sample_losses(record) -> Sequence[float]:
    """(n,) per-sample data losses, computed on demand (a long sum only evaluates the terms it shows)."""
    return _Each(lambda s: sample_loss(record, s), range(record.forward.x.shape[0]))


def loss_latex(record, sample: int | None = None, *, labels: Mapping[str, str] | None = None, digits: int = 4,
               reveal: Reveal | None = None) -> tuple[str, ...]:
    """Per-sample term for ``sample`` (if given), the batch mean, and the penalty when regularised."""
    lab = merge_labels(EQUATION_LABELS, labels)
    if reveal is not None and not reveal.loss:
        return _not_yet(lab)
    per = sample_losses(record)
    n = len(per)
    lines = []
    s = clamp_sample(record, sample)
    if s is not None:
        lines.append(_sample_loss_line(record, s, per[s], digits, lab))
    mean = r"\frac{1}{n}\sum_{s=1}^{n} L_s"
    terms = _sum(_Each(lambda v: fmt(v, digits, latex=True), per), lab)
    data_sym = "L_{data}" if record.backward.penalty else "L"
    lines.append(_eq(data_sym, mean, rf"\frac{{1}}{{{n}}}\left({terms}\right)", value=record.backward.data_loss,
                     digits=digits))
    if record.backward.penalty:
        lines.append(_penalty_line(record, digits, lab))
    return tuple(lines)


def _sample_loss_line(record, s: int, value: float, digits: int, lab: Mapping[str, str]) -> str:
    a, y = record.forward.output[s], record.Y[s]
    name = record.settings.loss
    lhs = f"L_{{{s + 1}}}"
    if name == "mse":
        parts = [rf"({fmt(ak, digits, latex=True)} - {term(yk, digits)})^2" for ak, yk in zip(a, y)]
        return _eq(lhs, r"\tfrac12\sum_k (a_k - y_k)^2", rf"\tfrac12\left[{_sum(parts, lab)}\right]",
                   value=value, digits=digits)
    if name == "bce":
        parts = [rf"{term(yk, digits)}\log {term(ak, digits)} + (1 - {term(yk, digits)})\log(1 - {term(ak, digits)})"
                 for ak, yk in zip(a, y)]
        return _eq(lhs, r"-\sum_k \left[y_k\log a_k + (1-y_k)\log(1-a_k)\right]",
                   rf"-\left[{_sum(parts, lab)}\right]", value=value, digits=digits)
    nz = [k for k in range(len(y)) if y[k] != 0] or [0]
    parts = [rf"{term(y[k], digits)}\log {term(a[k], digits)}" for k in nz]
    return _eq(lhs, r"-\sum_k y_k \log a_k", rf"-\left[{_sum(parts, lab)}\right]", value=value, digits=digits)


def _penalty_line(record, digits: int, lab: Mapping[str, str]) -> str:
    st, bw = record.settings, record.backward
    lam = fmt(st.reg_rate, digits, latex=True)
    ws = record.update.old_weights
    if st.regularization == "l2":
        total = sum(float(np.vdot(w, w)) for w in ws)
        pen = rf"\tfrac{{\lambda}}{{2}}\sum W^2 = \tfrac{{{lam}}}{{2}}\cdot{fmt(total, digits, latex=True)}"
    else:
        total = sum(float(np.abs(w).sum()) for w in ws)
        pen = rf"\lambda\sum |W| = {lam}\cdot{fmt(total, digits, latex=True)}"
    return _eq("L", rf"L_{{data}} + \underbrace{{{pen}}}_{{{_text(lab['penalty'])}}}",
               f"{fmt(bw.data_loss, digits, latex=True)}{_plus(bw.penalty, digits)}", value=bw.loss, digits=digits)


# -- backward -----------------------------------------------------------------------------------
def _d(num: str, den: str) -> str:
    return rf"\frac{{\partial {num}}}{{\partial {den}}}"


def backward_latex(record, layer: int, unit: int, sample: int = 0, i: int = 0, *,
                   labels: Mapping[str, str] | None = None, digits: int = 4,
                   reveal: Reveal | None = None) -> tuple[str, ...]:
    """dL/da, dL/dz for ``sample``, then dL/dW_ij (incoming weight from unit ``i``) and dL/db_j as
    batch sums, each with numbers."""
    lab = merge_labels(EQUATION_LABELS, labels)
    if reveal is not None and not reveal.backward(layer):
        return _not_yet(lab)
    s = clamp_sample(record, sample)
    lines = [_dA_line(record, layer, unit, s, digits, lab)]
    lines += _dZ_lines(record, layer, unit, s, digits, lab)
    lines += _dW_lines(record, layer, i, unit, digits, lab)
    lines.append(_text(lab["per_sample"].format(s=s + 1)))
    lines.append(_text(lab["summed"].format(n=record.forward.x.shape[0])))
    return tuple(lines)


def _next_layer_terms(record, layer: int, j: int, s: int, digits: int) -> _Each:
    """The terms dL/dz_k . W[j, k] of dL/da_j for sample s, summed over the next layer's units k."""
    dz_next = record.backward.layers[layer + 1].dZ[s]
    w_next = record.update.old_weights[layer + 1][j]
    return _Each(lambda d, w: f"{term(d, digits)}\\cdot{term(w, digits)}", dz_next, w_next)


def _loss_grad_terms(record, j: int, s: int, digits: int) -> tuple[str, str]:
    """dL/da of output unit j for sample s: the loss's derivative in symbols, then in numbers."""
    a, y = float(record.forward.output[s, j]), float(record.Y[s, j])
    an, yn, n = fmt(a, digits, latex=True), term(y, digits), record.forward.x.shape[0]
    name = record.settings.loss
    if name == "mse":
        return r"\frac{a - y}{n}", rf"\frac{{{an} - {yn}}}{{{n}}}"
    if name == "bce":
        return r"\frac{a - y}{n\,a(1-a)}", rf"\frac{{{an} - {yn}}}{{{n}\cdot{an}\,(1 - {an})}}"
    return r"-\frac{y}{n\,a}", rf"-\frac{{{yn}}}{{{n}\cdot{an}}}"


def _dA_line(record, layer: int, j: int, s: int, digits: int, lab: Mapping[str, str]) -> str:
    lw, n_layers = layer + 1, len(record.forward.layers)
    lb = record.backward.layers[layer]
    lhs = _d("L", f"a^{{({lw})}}{_sub(j)}")
    value = float(lb.dA[s, j])
    if layer < n_layers - 1:  # hidden: sum over the next layer's units
        parts = _next_layer_terms(record, layer, j, s, digits)
        sym = rf"\sum_k {_d('L', f'z^{{({lw + 1})}}_k')}\,W^{{({lw + 1})}}{_isub(j, 'k', first=False)}"
        return _eq(lhs, sym, _sum(parts, lab), value=value, digits=digits)
    return _eq(lhs, *_loss_grad_terms(record, j, s, digits), value=value, digits=digits)


def _dZ_lines(record, layer: int, j: int, s: int, digits: int, lab: Mapping[str, str]) -> list[str]:
    lw, n_layers = layer + 1, len(record.forward.layers)
    lf, lb = record.forward.layers[layer], record.backward.layers[layer]
    act, loss = record.settings.activations[layer], record.settings.loss
    lhs = _d("L", f"z^{{({lw})}}{_sub(j)}")
    value = float(lb.dZ[s, j])
    a, z, da = float(lf.a[s, j]), float(lf.z[s, j]), float(lb.dA[s, j])
    n = record.forward.x.shape[0]
    if layer == n_layers - 1 and LOSSES[loss].fused_output == act:
        an, yn = fmt(a, digits, latex=True), term(float(record.Y[s, j]), digits)
        note = lab["fused"].format(act=act, loss=loss.upper())
        return [_eq(lhs, r"\frac{a - y}{n}", rf"\frac{{{an} - {yn}}}{{{n}}}", value=value, digits=digits),
                _text(note)]
    dan = term(da, digits)
    if act == "softmax":  # Jacobian-vector product, not elementwise
        dots = _Each(lambda d, ak: f"{term(d, digits)}\\cdot{term(ak, digits)}", lb.dA[s], lf.a[s])
        sym = rf"a_j\left({_d('L', 'a_j')} - \sum_k {_d('L', 'a_k')}\,a_k\right)"
        nums = rf"{term(a, digits)}\left({dan} - \left[{_sum(dots, lab)}\right]\right)"
        return [_eq(lhs, sym, nums, value=value, digits=digits)]
    sym, nums = _derivative(act, a, z, digits, lab)
    return [_eq(lhs, rf"{_d('L', 'a')}\,{sym}", rf"{dan}\cdot {nums}", value=value, digits=digits)]


def _derivative(act: str, a: float, z: float, digits: int, lab: Mapping[str, str]) -> tuple[str, str]:
    """(symbolic f'(z), f'(z) with numbers) for an elementwise activation."""
    an = term(a, digits)
    if act == "sigmoid":
        return r"a(1-a)", rf"{an}\,(1 - {an})"
    if act == "tanh":
        return r"(1 - a^2)", rf"(1 - {an}^2)"
    if act in ("relu", "leaky_relu"):
        on = z > 0
        slope = "1" if on else ("0" if act == "relu" else fmt(LEAKY_SLOPE, digits, latex=True))
        why = lab["relu_on"] if on else lab["relu_off"]
        return r"f'(z)", rf"\underbrace{{{slope}}}_{{{_text(why)}}}"
    return r"f'(z)", "1"


def _dW_lines(record, layer: int, i: int, j: int, digits: int, lab: Mapping[str, str]) -> list[str]:
    lw = layer + 1
    lb = record.backward.layers[layer]
    a_prev = _a_prev(record, layer)[:, i]
    dz = lb.dZ[:, j]
    wsym = f"W^{{({lw})}}{_sub(i, j)}"
    sym = rf"\sum_s a^{{({lw - 1})}}_{{s,{i + 1}}}\,{_d('L', f'z^{{({lw})}}_{{s,{j + 1}}}')}"
    nums = _sum(_Each(lambda ap, d: f"{term(ap, digits)}\\cdot{term(d, digits)}", a_prev, dz), lab)
    st = record.settings
    if st.regularization != "none" and st.reg_rate > 0:
        w = float(record.update.old_weights[layer][i, j])
        lam = fmt(st.reg_rate, digits, latex=True)
        if st.regularization == "l2":
            sym += rf" + \lambda W{_sub(i, j)}"
            nums += rf" + {lam}\cdot{term(w, digits)}"
        else:
            sym += rf" + \lambda\,\mathrm{{sign}}(W{_sub(i, j)})"
            nums += rf" + {lam}\cdot{term(float(np.sign(w)), digits)}"
    line_w = _eq(_d("L", wsym), sym, nums, value=float(lb.dW[i, j]), digits=digits)
    db_nums = [_sum(_Each(lambda d: fmt(d, digits, latex=True), dz), lab)] if len(dz) > 1 else []
    line_b = _eq(_d("L", f"b^{{({lw})}}{_sub(j)}"), rf"\sum_s {_d('L', f'z^{{({lw})}}_{{s,{j + 1}}}')}", *db_nums,
                 value=float(lb.db[j]), digits=digits)
    return [line_w, line_b]


# -- update -------------------------------------------------------------------------------------
OPTIMIZER_NAMES = {"sgd": "SGD", "momentum": "momentum", "adam": "Adam"}


def update_latex(record, layer: int, i: int | None, j: int, *, labels: Mapping[str, str] | None = None,
                 digits: int = 4, reveal: Reveal | None = None) -> tuple[str, ...]:
    """The step taken by W[layer][i, j] (or the bias b[layer][j] when ``i`` is None)."""
    lab = merge_labels(EQUATION_LABELS, labels)
    if reveal is not None and not reveal.update:
        return _not_yet(lab)
    u, st = record.update, record.settings
    if i is None:
        old, g = float(u.old_biases[layer][j]), float(u.grad_biases[layer][j])
        delta, new = float(u.delta_biases[layer][j]), float(u.new_biases[layer][j])
        name = f"b^{{({layer + 1})}}{_sub(j)}"
        if not st.train_biases:
            lhs = rf"{name}:\quad b_{{\mathrm{{new}}}}"
            return _eq(lhs, "b", value=new, digits=digits), _text(lab["frozen_bias"])
    else:
        old, g = float(u.old_weights[layer][i, j]), float(u.grad_weights[layer][i, j])
        delta, new = float(u.delta_weights[layer][i, j]), float(u.new_weights[layer][i, j])
        name = f"W^{{({layer + 1})}}{_sub(i, j)}"
    sym = "b" if i is None else "w"
    lhs = rf"{name}:\quad {sym}_{{\mathrm{{new}}}}"
    opt = u.optimizer
    note = _text(lab["optimizer"].format(name=OPTIMIZER_NAMES.get(opt, opt)) + f", \u03b7 = {fmt(u.lr, digits)}")
    if opt == "sgd":
        nums = rf"{fmt(old, digits, latex=True)} - {fmt(u.lr, digits, latex=True)}\cdot{term(g, digits)}"
        return (_eq(lhs, rf"{sym} - \eta\,{_d('L', sym)}", nums, value=new, digits=digits), note)
    rule = {"momentum": r"\Delta = -\eta\,v,\; v \leftarrow \beta v + g",
            "adam": r"\Delta = -\eta\,\hat m / (\sqrt{\hat v} + \epsilon)"}.get(opt, r"\Delta")
    nums = f"{fmt(old, digits, latex=True)}{_plus(delta, digits)}"
    return (_eq(lhs, rf"{sym} + \Delta", nums, value=new, digits=digits), rule, note)


# -- table --------------------------------------------------------------------------------------
TABLE_KEYS = ("unit", "z", "a", "dL_da", "dL_dz", "z_mean", "a_mean", "dL_da_sum", "dL_dz_sum")


def _num(v) -> float | None:
    v = float(v)
    return v if math.isfinite(v) else None


def table_rows(record, phase, sample: int | None) -> list[dict[str, float | int | None]]:
    """One dict per unit of the phase's layer with keys TABLE_KEYS ("unit" 0-based).

    z, a, dL_da, dL_dz: the selected sample (None without a sample); z_mean, a_mean: batch means;
    dL_da_sum, dL_dz_sum: batch sums (the per-sample values already carry the 1/n, so the sum is
    the gradient of the batch loss; dL_dz_sum = dL/db). Unrevealed or non-finite values are None.
    """
    if record is None:
        return []
    n_layers = len(record.forward.layers)
    rv = reveal_of(phase, n_layers)
    layer = active_layer(phase, n_layers)
    s = clamp_sample(record, sample)
    lf, lb = record.forward.layers[layer], record.backward.layers[layer]
    fwd, bwd = rv.forward(layer), rv.backward(layer)
    rows = []
    for j in range(lf.z.shape[1]):
        row: dict[str, float | int | None] = dict.fromkeys(TABLE_KEYS)
        row["unit"] = j
        if fwd:
            row["z_mean"], row["a_mean"] = _num(lf.z[:, j].mean()), _num(lf.a[:, j].mean())
            if s is not None:
                row["z"], row["a"] = _num(lf.z[s, j]), _num(lf.a[s, j])
        if bwd:
            row["dL_da_sum"], row["dL_dz_sum"] = _num(lb.dA[:, j].sum()), _num(lb.dZ[:, j].sum())
            if s is not None:
                row["dL_da"], row["dL_dz"] = _num(lb.dA[s, j]), _num(lb.dZ[s, j])
        rows.append(row)
    return rows


# -- the chain rule for one parameter (the Chain-rule page) ------------------------------------------
CHAIN_TERMS = 10  # sums with up to this many terms are written out in full
CHAIN_ROW = 3  # at most this many terms per row when a written-out sum wraps
CHAIN_WIDTH = 52  # about this many visible characters per row (fewer terms per row when they are wide)


@dataclass(frozen=True)
class ChainLatex:
    """LaTeX blocks for one weight or bias of one record, each a tuple of ``st.latex`` lines.

    rule: the chain rule in symbols; sample: the per-sample factors for one row of the batch;
    batch: the gradient, a sum over the batch; update: the optimizer's step; result: two lines, the
    gradient and old -> new value, at ``result_digits`` significant digits.
    """

    rule: tuple[str, ...]
    sample: tuple[str, ...]
    batch: tuple[str, ...]
    update: tuple[str, ...]
    result: tuple[str, str]


def visible_len(tex: str) -> int:
    """Roughly how many characters a LaTeX snippet of numbers shows (commands and braces dropped)."""
    s = tex.replace(r"\times10^", "x10").replace(r"\cdot", ".")
    s = re.sub(r"\\[a-zA-Z]+", "", s)
    return len(re.sub(r"[{}()\s]", "", s)) + s.count("(")


def wrapped_sum(parts: Sequence[str], lab: Mapping[str, str], limit: int = CHAIN_TERMS,
                per_row: int = CHAIN_ROW, width: int = CHAIN_WIDTH) -> list[str]:
    """A sum as rows of at most ``per_row`` terms and about ``width`` visible characters (rows after
    the first start with ``+``). More than ``limit`` terms: the first three, ``\\cdots`` labelled
    with how many are left out, and the last one."""
    n = len(parts)
    if n > limit:
        more = r"\underbrace{\cdots}_{" + _text(lab["more_terms"].format(n=n - 4)) + "}"
        shown = [*parts[:3], more, parts[n - 1]]
        widest = max(visible_len(p) for p in (*parts[:3], parts[n - 1]))
    else:
        shown = list(parts)
        widest = max((visible_len(p) for p in shown), default=1)
    per_row = max(1, min(per_row, width // max(widest + 3, 1)))
    rows = [" + ".join(shown[r:r + per_row]) for r in range(0, len(shown), per_row)]
    return [rows[0]] + ["+ " + r for r in rows[1:]]


def derivation(lhs: str, *steps: str | Sequence[str], value: float, digits: int) -> str:
    """An aligned block ``lhs = step_1 \\ = step_2 ... = value``, one step per row; a step given as
    rows (from ``wrapped_sum``) continues over several rows, and the value then gets its own row."""
    rows: list[str] = []
    for step in steps:
        parts = [step] if isinstance(step, str) else list(step)
        rows.append("&= " + parts[0])
        rows += [r"&\quad " + p for p in parts[1:]]
    v = fmt(value, digits, latex=True)
    last = steps[-1] if steps else ""
    if steps and (isinstance(last, str) or len(last) == 1):
        rows[-1] += " = " + v
    else:
        rows.append("&= " + v)
    return r"\begin{aligned}" + lhs + " " + r" \\ ".join(rows) + r"\end{aligned}"


def _at(s: int) -> str:
    """The per-sample marker ``|_{s=3}`` (1-based)."""
    return rf"\Big|_{{s={s + 1}}}"


def _chain_syms(layer: int, kind: str, i: int, j: int) -> dict[str, str]:
    lw = layer + 1
    return {"a": f"a^{{({lw})}}{_sub(j)}", "z": f"z^{{({lw})}}{_sub(j)}",
            "p": f"W^{{({lw})}}{_sub(i, j)}" if kind == "W" else f"b^{{({lw})}}{_sub(j)}",
            "prev": f"a^{{({lw - 1})}}{_sub(i)}" if layer else f"x{_sub(i)}", "next_z": f"z^{{({lw + 1})}}_k",
            "next_w": f"W^{{({lw + 1})}}{_isub(j, 'k', first=False)}"}


def _is_fused(record, layer: int) -> bool:
    last = layer == len(record.forward.layers) - 1
    return last and LOSSES[record.settings.loss].fused_output == record.settings.activations[layer]


def chain_rule_latex(record, layer: int, kind: str, i: int, j: int) -> tuple[str, ...]:
    """The chain rule for W[layer][i, j] (kind "W") or b[layer][j] (kind "b") in symbols: what each
    factor is, and for a hidden layer the sum over the next layer's units."""
    y = _chain_syms(layer, kind, i, j)
    hidden = layer < len(record.forward.layers) - 1
    act = record.settings.activations[layer]
    dz_dp = y["prev"] if kind == "W" else "1"
    if hidden:
        dl_da = rf"\sum_k {_d('L', y['next_z'])}\,{y['next_w']}"
    else:
        dl_da = {"mse": r"\frac{a - y}{n}", "bce": r"\frac{a - y}{n\,a(1-a)}"}.get(record.settings.loss,
                                                                                r"-\frac{y}{n\,a}")
    if _is_fused(record, layer):
        core = rf"\underbrace{{{_d('L', y['z'])}}}_{{\textstyle (a - y)/n}}"
    else:
        da_dz = f"f'({y['z']})" if ACTIVATIONS[act].elementwise else r"\mathrm{softmax}'"
        core = (rf"\underbrace{{{_d('L', y['a'])}}}_{{\textstyle {dl_da}}}\,"
                rf"\underbrace{{{_d(y['a'], y['z'])}}}_{{\textstyle {da_dz}}}")
    chain = rf"{core}\,\underbrace{{{_d(y['z'], y['p'])}}}_{{\textstyle {dz_dp}}}"
    lines = [rf"{_d('L', y['p'])} = \sum_{{s=1}}^{{n}} \left[{chain}\right]_s" + _penalty_sym(record, kind, i, j)]
    return tuple(lines)


def _penalty_sym(record, kind: str, i: int, j: int) -> str:
    st = record.settings
    if kind != "W" or st.regularization == "none" or st.reg_rate <= 0:
        return ""
    return rf" + \lambda W{_sub(i, j)}" if st.regularization == "l2" else rf" + \lambda\,\mathrm{{sign}}(W{_sub(i, j)})"


def _chain_dA(record, layer: int, j: int, s: int, y: dict[str, str], digits: int,
              lab: Mapping[str, str]) -> str:
    """dL/da_j for sample s: the loss's derivative (output layer) or the sum over the next layer."""
    lb = record.backward.layers[layer]
    lhs = _d("L", y["a"]) + _at(s)
    value = float(lb.dA[s, j])
    if layer < len(record.forward.layers) - 1:
        parts = _next_layer_terms(record, layer, j, s, digits)
        sym = rf"\sum_{{k=1}}^{{{len(parts)}}} {_d('L', y['next_z'])}\,{y['next_w']}"
        return derivation(lhs, sym, wrapped_sum(parts, lab), value=value, digits=digits)
    return derivation(lhs, *_loss_grad_terms(record, j, s, digits), value=value, digits=digits)


def _chain_dZ(record, layer: int, j: int, s: int, y: dict[str, str], digits: int,
              lab: Mapping[str, str]) -> list[str]:
    """da/dz and dL/dz for sample s (fused losses: dL/dz directly; softmax: its Jacobian product)."""
    lf, lb = record.forward.layers[layer], record.backward.layers[layer]
    act = record.settings.activations[layer]
    at = _at(s)
    dz = float(lb.dZ[s, j])
    if _is_fused(record, layer):
        n = record.forward.x.shape[0]
        an, tn = fmt(float(lf.a[s, j]), digits, latex=True), term(float(record.Y[s, j]), digits)
        note = lab["fused"].format(act=act, loss=record.settings.loss.upper())
        return [derivation(_d("L", y["z"]) + at, r"\frac{a - y}{n}", rf"\frac{{{an} - {tn}}}{{{n}}}",
                           value=dz, digits=digits), _text(note)]
    if not ACTIVATIONS[act].elementwise:  # softmax: the Jacobian-vector product of the Step page
        return _dZ_lines(record, layer, j, s, digits, lab)
    a, z = float(lf.a[s, j]), float(lf.z[s, j])
    d = float(ACTIVATIONS[act].derivative(lf.z[s:s + 1, j:j + 1], lf.a[s:s + 1, j:j + 1])[0, 0])
    sym, nums = _derivative(act, a, z, digits, lab)
    sym = sym.replace("f'(z)", f"f'({y['z']})")
    line_d = derivation(_d(y["a"], y["z"]) + at, sym, nums, value=d, digits=digits)
    prod = rf"{term(float(lb.dA[s, j]), digits)}\cdot{term(d, digits)}"
    line_z = derivation(_d("L", y["z"]) + at, rf"{_d('L', y['a'])}\,{_d(y['a'], y['z'])}", prod,
                        value=dz, digits=digits)
    return [line_d, line_z]


def chain_sample_latex(record, layer: int, kind: str, i: int, j: int, sample: int = 0, *,
                       labels: Mapping[str, str] | None = None, digits: int = 4) -> tuple[str, ...]:
    """Every factor of the chain for one row ``sample`` of the batch, with the record's numbers, ending
    with that sample's term of the gradient: dL/dz_j * dz_j/dp."""
    lab = merge_labels(EQUATION_LABELS, labels)
    s = clamp_sample(record, sample)
    y = _chain_syms(layer, kind, i, j)
    lines = [] if _is_fused(record, layer) else [_chain_dA(record, layer, j, s, y, digits, lab)]
    lines += _chain_dZ(record, layer, j, s, y, digits, lab)
    dz = float(record.backward.layers[layer].dZ[s, j])
    at = _at(s)
    if kind == "W":
        ap = float(_a_prev(record, layer)[s, i])
        lines.append(derivation(_d(y["z"], y["p"]) + at, y["prev"], value=ap, digits=digits))
        term_value, nums = dz * ap, rf"{term(dz, digits)}\cdot{term(ap, digits)}"
    else:
        lines.append(rf"{_d(y['z'], y['p'])} = 1")
        term_value, nums = dz, rf"{term(dz, digits)}\cdot 1"
    lhs = rf"{_d('L', y['z'])}\,{_d(y['z'], y['p'])}" + at
    lines.append(derivation(lhs, nums, value=term_value, digits=digits))
    return tuple(lines)


def chain_batch_latex(record, layer: int, kind: str, i: int, j: int, *,
                      labels: Mapping[str, str] | None = None, digits: int = 4) -> tuple[str, ...]:
    """The gradient: each sample's term summed over the batch (plus the penalty's gradient for a
    regularised weight), ending with the core's dW[i, j] or db[j]."""
    lab = merge_labels(EQUATION_LABELS, labels)
    y = _chain_syms(layer, kind, i, j)
    lb = record.backward.layers[layer]
    dz = lb.dZ[:, j]
    n = len(dz)
    dzs = _d("L", y["z"]) + r"\Big|_s"
    if kind == "b":
        parts = _Each(lambda d: term(d, digits), dz)
        steps = (rf"\sum_{{s=1}}^{{{n}}} {dzs}",) + ((wrapped_sum(parts, lab),) if n > 1 else ())
        return (derivation(_d("L", y["p"]), *steps, value=float(lb.db[j]), digits=digits),)
    ap = _a_prev(record, layer)[:, i]
    parts = _Each(lambda d, a: f"{term(d, digits)}\\cdot{term(a, digits)}", dz, ap)
    rows = wrapped_sum(parts, lab)
    sym = rf"\sum_{{s=1}}^{{{n}}} {dzs}\,{y['prev']}\Big|_s" + _penalty_sym(record, kind, i, j)
    st = record.settings
    if _penalty_sym(record, kind, i, j):
        w = float(record.update.old_weights[layer][i, j])
        pen = w if st.regularization == "l2" else float(np.sign(w))
        rows[-1] += rf" + {fmt(st.reg_rate, digits, latex=True)}\cdot{term(pen, digits)}"
    return (derivation(_d("L", y["p"]), sym, rows, value=float(lb.dW[i, j]), digits=digits),)


def chain_result_latex(record, layer: int, kind: str, i: int, j: int, digits: int = 8) -> tuple[str, str]:
    """(``dL/dp = g``, ``p: old -> new``) at ``digits`` significant digits (the core's numbers)."""
    y = _chain_syms(layer, kind, i, j)
    u = record.update
    if kind == "W":
        g, old, new = u.grad_weights[layer][i, j], u.old_weights[layer][i, j], u.new_weights[layer][i, j]
    else:
        g, old, new = u.grad_biases[layer][j], u.old_biases[layer][j], u.new_biases[layer][j]
    g, old, new = (fmt(float(v), digits, latex=True) for v in (g, old, new))
    return rf"{_d('L', y['p'])} = {g}", rf"{y['p']}:\; {old} \;\longrightarrow\; {new}"


def chain_latex(record, layer: int, kind: str, i: int, j: int, sample: int = 0, *,
                labels: Mapping[str, str] | None = None, digits: int = 4, result_digits: int = 8) -> ChainLatex:
    """All blocks for W[layer][i, j] (kind "W") or b[layer][j] (kind "b", ``i`` ignored), 0-based."""
    if kind not in ("W", "b"):
        raise ValueError(f"kind must be 'W' or 'b', got {kind!r}.")
    return ChainLatex(
        rule=chain_rule_latex(record, layer, kind, i, j),
        sample=chain_sample_latex(record, layer, kind, i, j, sample, labels=labels, digits=digits),
        batch=chain_batch_latex(record, layer, kind, i, j, labels=labels, digits=digits),
        update=update_latex(record, layer, i if kind == "W" else None, j, labels=labels, digits=digits),
        result=chain_result_latex(record, layer, kind, i, j, result_digits),
    )
