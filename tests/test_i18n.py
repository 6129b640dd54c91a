"""The translation table: complete, consistent placeholders, every literal key used exists, and figure
label translations stay in step with the figures' English defaults."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from ui.i18n import translate
from ui.strings import STRINGS

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "pages").glob("*.py")) + sorted((ROOT / "ui").glob("*.py")) + [ROOT / "app.py"]


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(STRINGS))
def test_both_languages_present_with_the_same_placeholders(key):
    en, zh = STRINGS[key]
    assert en.strip() and zh.strip()
    assert _fields(en) == _fields(zh), key


def test_chinese_entries_are_chinese_where_the_english_is_prose():
    cjk = re.compile(r"[\u4e00-\u9fff]")
    prose = [k for k, (en, _) in STRINGS.items() if len(re.findall(r"\b[A-Za-z]{3,}\b", en)) >= 3]
    missing = [k for k in prose if not cjk.search(STRINGS[k][1])]
    assert not missing, missing[:10]


def test_every_literal_key_used_in_the_app_exists():
    used = set()
    for path in SOURCES:
        used |= set(re.findall(r"""\bT?t\(\s*["']([a-z_]+\.[a-z0-9_.]+)["']""", path.read_text(encoding="utf-8")))
    missing = sorted(k for k in used if k not in STRINGS)
    assert not missing, missing


def test_translate_falls_back_to_english_and_formats():
    assert translate("status.iteration", "zh") == "迭代"
    assert translate("sb.width", "en", i=3) == "Layer 3"
    assert translate("no.such.key", "zh") == "no.such.key"


@pytest.mark.parametrize(("module", "name", "prefix"), [
    ("viz.network", "NETWORK_LABELS", "fig.network"),
    ("viz.equations", "EQUATION_LABELS", "fig.eq"),
    ("viz.activations", "ACTIVATION_LABELS", "fig.act"),
    ("viz.activations", "LOSS_LABELS", "fig.loss"),
])
def test_figure_label_translations_match_the_figures_english(module, name, prefix):
    import importlib

    defaults = getattr(importlib.import_module(module), name)
    keys = [k for k in STRINGS if k.startswith(prefix + ".")]
    assert keys
    for key in keys:
        label = key[len(prefix) + 1:]
        assert label in defaults, key
        assert STRINGS[key][0] == defaults[label], key


def test_every_page_reads_the_language_through_current_lang():
    """Only ui/i18n.py reads the language from session state; pages and views call current_lang()."""
    direct = re.compile(r"session_state(\.get\(|\[)\s*[\"']lang[\"']")
    offenders = [f.name for f in SOURCES if f.name != "i18n.py" and direct.search(f.read_text())]
    assert offenders == []
