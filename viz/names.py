"""One numbering for every name a person reads: all 1-based, as in the equations.

Indices passed in are the code's 0-based ones; the text shown is 1-based. Layer l is the layer whose
weights are W⁽ˡ⁾ (the first weight layer is l = 1, as in the equations' superscripts). Machine formats
(run file, URL parameters, exported scripts) keep their own conventions and do not use this module.
Pure: returns strings only; the words come from a (en, zh) template given by the caller's language.
"""

from __future__ import annotations

_SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")

WORDS = {
    "sample": ("sample {k} of the batch", "批次中第 {k} 个样本"),
    "sample_row": ("sample {k} of the batch (training row {r})", "批次中第 {k} 个样本（训练集第 {r} 行）"),
    "row": ("training row {r}", "训练集第 {r} 行"),
    "neuron": ("neuron {j} of layer {l}", "第 {l} 层神经元 {j}"),
}


def _w(key: str, lang: str) -> str:
    en, zh = WORDS[key]
    return zh if lang == "zh" else en


def sample(k0: int, lang: str = "en") -> str:
    """'sample 1 of the batch' for the batch's first sample (k0 = 0)."""
    return _w("sample", lang).format(k=int(k0) + 1)


def sample_number(k0: int) -> int:
    """The 1-based number of batch sample k0."""
    return int(k0) + 1


def training_row(r0: int, lang: str = "en") -> str:
    """'training row 3747' for 0-based data row 3746."""
    return _w("row", lang).format(r=int(r0) + 1)


def sample_row(k0: int, r0: int, lang: str = "en") -> str:
    """'sample 1 of the batch (training row 3747)'."""
    return _w("sample_row", lang).format(k=int(k0) + 1, r=int(r0) + 1)


def neuron(layer0: int, j0: int, lang: str = "en") -> str:
    """'neuron 1 of layer 2' for the code's layer index 1 (weights W⁽²⁾) and unit 0."""
    return _w("neuron", lang).format(j=int(j0) + 1, l=int(layer0) + 1)


def neuron_number(j0: int) -> int:
    """The 1-based number of unit j0 (the subscript of z_j in the equations)."""
    return int(j0) + 1


def weight(layer0: int, i0: int, j0: int) -> str:
    """'W⁽²⁾[3, 1]': weight from input i to neuron j of the layer whose weights are W⁽ˡ⁾, 1-based."""
    return f"W{sup(int(layer0) + 1)}[{int(i0) + 1}, {int(j0) + 1}]"


def bias(layer0: int, j0: int) -> str:
    """'b⁽²⁾[1]'."""
    return f"b{sup(int(layer0) + 1)}[{int(j0) + 1}]"


def sup(n: int) -> str:
    """'⁽¹²⁾' for 12: the layer superscript in plain text."""
    return "⁽" + str(int(n)).translate(_SUP) + "⁾"
