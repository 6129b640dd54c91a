"""viz/names: one 1-based numbering, in English and 简体中文 (the words from ui/strings/names.py)."""

from __future__ import annotations

import pytest

from ui.i18n import translate
from ui.strings import STRINGS
from viz import names


def words(lang: str) -> dict[str, str]:
    return {k: translate(f"name.{k}", lang) for k in names.WORDS}


def test_every_word_has_both_languages_and_the_same_fields():
    for k, en in names.WORDS.items():
        pair = STRINGS[f"name.{k}"]
        assert pair[0] == en and pair[1] and pair[1] != pair[0]
        fields = sorted(f for f in ("{k}", "{r}", "{j}", "{l}") if f in en)
        assert fields == sorted(f for f in ("{k}", "{r}", "{j}", "{l}") if f in pair[1]), k


def test_english_names_are_one_based():
    assert names.sample(0) == "sample 1 of the batch"
    assert names.sample(6, words("en")) == "sample 7 of the batch"
    assert names.training_row(3746) == "training row 3747"
    assert names.sample_row(0, 3746) == "sample 1 of the batch (training row 3747)"
    assert names.neuron(0, 0) == "neuron 1 of layer 1"
    assert names.neuron(1, 4) == "neuron 5 of layer 2"
    assert names.sample_number(0) == 1 and names.neuron_number(9) == 10


def test_chinese_names_are_one_based():
    zh = words("zh")
    assert names.sample(0, zh) == "批次中第 1 个样本"
    assert names.training_row(0, zh) == "训练集第 1 行"
    assert names.sample_row(2, 9, zh) == "批次中第 3 个样本（训练集第 10 行）"
    assert names.neuron(1, 0, zh) == "第 2 层神经元 1"


def test_weight_and_bias_names_use_the_equations_superscript():
    assert names.weight(0, 407, 23) == "W⁽¹⁾[408, 24]"
    assert names.weight(11, 0, 0) == "W⁽¹²⁾[1, 1]"
    assert names.bias(1, 0) == "b⁽²⁾[1]"
    assert names.sup(10) == "⁽¹⁰⁾"


@pytest.mark.parametrize("where", [(0, 0, 0), (1, 2, 0), (11, 407, 23), (9, 99, 100)])
def test_weight_names_parse_back(where):
    assert names.parse_weight(names.weight(*where)) == where


@pytest.mark.parametrize("bad", ["W1[1,1]", "W⁽¹⁾[1,1]", "W⁽⁾[1, 1]", "b⁽¹⁾[1]", "W⁽¹⁾[1, 1] ", "W(1)[1, 1]"])
def test_other_texts_are_not_weight_names(bad):
    assert names.parse_weight(bad) is None
