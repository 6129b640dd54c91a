"""One numbering for every name a person reads: all 1-based, as in the equations.

Indices passed in are the code's 0-based ones; the text shown is 1-based. Layer l is the layer whose
weights are W⁽ˡ⁾ (the first weight layer is l = 1, as in the equations' superscripts). Machine formats
(run file, URL parameters, exported scripts) keep their own conventions and do not use this module.
Pure: returns strings only. The words are templates with English defaults (WORDS); the app passes the
translated ones (ui/strings/names.py, keys "name.<key>") as ``words``, like the figures' label dicts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_UNSUP = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_WEIGHT = re.compile(r"W⁽([⁰¹²³⁴⁵⁶⁷⁸⁹]+)⁾\[(\d+), (\d+)\]")

WORDS = {
    "sample": "sample {k} of the batch",
    "sample_row": "sample {k} of the batch (training row {r})",
    "row": "training row {r}",
    "neuron": "neuron {j} of layer {l}",
}


def _w(key: str, words: Mapping[str, str] | None) -> str:
    return (words or WORDS).get(key, WORDS[key])


def sample(k0: int, words: Mapping[str, str] | None = None) -> str:
    """'sample 1 of the batch' for the batch's first sample (k0 = 0)."""
    return _w("sample", words).format(k=int(k0) + 1)


def sample_number(k0: int) -> int:
    """The 1-based number of batch sample k0."""
    return int(k0) + 1


def training_row(r0: int, words: Mapping[str, str] | None = None) -> str:
    """'training row 3747' for 0-based data row 3746."""
    return _w("row", words).format(r=int(r0) + 1)


def sample_row(k0: int, r0: int, words: Mapping[str, str] | None = None) -> str:
    """'sample 1 of the batch (training row 3747)'."""
    return _w("sample_row", words).format(k=int(k0) + 1, r=int(r0) + 1)


def neuron(layer0: int, j0: int, words: Mapping[str, str] | None = None) -> str:
    """'neuron 1 of layer 2' for the code's layer index 1 (weights W⁽²⁾) and unit 0."""
    return _w("neuron", words).format(j=int(j0) + 1, l=int(layer0) + 1)


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


def parse_weight(text: str) -> tuple[int, int, int] | None:
    """(layer, i, j), 0-based, of a name weight() made, or None if it is not one."""
    m = _WEIGHT.fullmatch(text)
    if m is None:
        return None
    return int(m.group(1).translate(_UNSUP)) - 1, int(m.group(2)) - 1, int(m.group(3)) - 1
