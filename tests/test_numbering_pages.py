"""Every page, rendered with AppTest on several presets and phases, names things 1-based (viz/names):
no '#0', 'neuron 0', 'row 0', 'sample 0' or '[0,' anywhere a person reads, and the names shown for a
known index are the formatter's."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import backprop_core as bp
from backprop_core.config import encode
from ui.i18n import translate
from ui.state import KEY
from viz import names

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PAGES = ("step", "chain_rule", "training", "weights", "landscape", "compare", "reference", "save")
# 0-based names a person might read; the app numbers everything from 1
BAD = re.compile(r"#0\b|\bneuron 0\b|\brow 0\b|\bsample 0\b|\[0[,\]]|\bs = 0\b|神经元 0\b|第 0 (个|行|层)")
PLACEHOLDER = re.compile(r"%\{[^}]*\}")  # plotly's %{customdata[0]}: an array index, not a name
TEXT_KEYS = {"text", "hovertext", "hovertemplate", "name", "title"}


def _plotly_text(node, out: list[str], under_text: bool = False) -> None:
    """The strings of a figure a person reads (titles, names, hover and labels), not its data arrays."""
    if isinstance(node, dict):
        for k, v in node.items():
            _plotly_text(v, out, k in TEXT_KEYS or (under_text and k == "text"))
    elif isinstance(node, list):
        for v in node:
            _plotly_text(v, out, under_text)
    elif isinstance(node, str) and under_text:
        out.append(node)


def shown_text(at: AppTest) -> list[str]:
    out: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "latex", "info", "warning", "error",
                 "success"):
        out += [str(e.value) for e in getattr(at, kind)]
    for kind in ("selectbox", "radio", "multiselect", "select_slider"):
        for w in getattr(at, kind):
            out.append(str(w.label))
            out += [str(o) for o in w.options]
    for w in list(at.number_input) + list(at.slider) + list(at.button) + list(at.checkbox):
        out.append(str(w.label))
    for df in at.dataframe:
        out += [str(c) for c in df.value.columns]
    for fig in at.get("plotly_chart"):
        _plotly_text(json.loads(fig.proto.spec), out)
    for comp in at.get("component_instance"):  # ui.charts.live_plotly: the spec inside json_args
        spec = json.loads(comp.proto.json_args).get("spec")
        if isinstance(spec, str):
            _plotly_text(json.loads(spec), out)
    return out


def open_app(preset: str, lang: str = "en") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if preset != "xor":
        for k, v in encode(bp.PRESETS[preset]).items():
            at.query_params[k] = v
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def click(at: AppTest, label: str) -> None:
    next(b for b in at.button if b.label == label).click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]


def no_zero_based(at: AppTest, where: str) -> list[str]:
    text = shown_text(at)
    assert text, where
    bad = [s for s in text if BAD.search(PLACEHOLDER.sub("", s))]
    assert not bad, (where, bad[:5])
    return text


@pytest.mark.parametrize("preset", ["xor", "worked", "digits", "digits_fast"])
def test_no_page_shows_a_zero_based_name(preset):
    at = open_app(preset)
    click(at, "Step")
    for n_phase in (1, 3):  # a forward phase, then further (loss or a backward phase)
        for _ in range(n_phase):
            click(at, "Next phase")
        no_zero_based(at, f"{preset} step phase {at.session_state[KEY].session.phase}")
    for page in PAGES[1:]:
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, (page, [e.value for e in at.exception])
        no_zero_based(at, f"{preset} {page}")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_step_page_names_equal_the_formatters(lang):
    at = open_app("xor", lang)
    click(at, translate("step.step", lang))
    click(at, translate("step.next", lang))  # forward, layer 1
    at.selectbox(key="sample").select(2).run()
    rec = at.session_state[KEY].session.record
    words = {k: translate(f"name.{k}", lang) for k in names.WORDS}
    shown = " ".join(shown_text(at))
    assert names.sample_row(2, int(rec.batch[2]), words) in shown
    assert at.selectbox(key="sample").options[:2] == [names.sample(0, words), names.sample(1, words)]
    table = next(df.value for df in at.dataframe if translate("step.col.unit", lang) in df.value.columns)
    assert list(table[translate("step.col.unit", lang)]) == [1, 2, 3]  # XOR's hidden layer: z₁, z₂, z₃
    no_zero_based(at, f"step {lang}")


def test_chain_rule_names_equal_the_formatters():
    at = open_app("xor")
    click(at, "Step")
    at.switch_page("pages/chain_rule.py").run()
    assert not at.exception
    rec = at.session_state[KEY].session.record
    s = int(at.number_input(key="chain_sample").value) - 1
    shown = " ".join(shown_text(at))
    assert f"s = {s + 1} ({names.training_row(int(rec.batch[s]))})" in shown
    assert names.training_row(int(rec.batch[s])) in [c.value for c in at.caption]
    pickers = [w for w in at.selectbox if w.label.startswith(("From i", "To j"))]
    assert pickers and all(w.options[0] == "1" for w in pickers)
    no_zero_based(at, "chain rule")


def test_landscape_and_weights_name_weights_like_the_formatter():
    at = open_app("worked")
    click(at, "Step")
    at.switch_page("pages/landscape.py").run()
    assert not at.exception
    shown = " ".join(shown_text(at))
    assert f"{names.weight(1, 0, 0)} (w5)" in shown  # Mazur's w5 is W⁽²⁾[1, 1]
    at.switch_page("pages/weights.py").run()
    assert not at.exception
    assert names.weight(0, 0, 0) in " ".join(shown_text(at))
