"""Every user-facing string, in English and 简体中文, from one table (split by page under strings/)."""

from __future__ import annotations

from collections.abc import Mapping

from .strings import STRINGS

LANGS = ("en", "zh")
LANG_NAMES = {"en": "English", "zh": "简体中文"}


def translate(key: str, lang: str, **kw: object) -> str:
    """The text for ``key`` in ``lang`` (English if missing), formatted with ``kw``."""
    pair = STRINGS.get(key)
    if pair is None:
        return key
    text = pair[1] if lang == "zh" and pair[1] else pair[0]
    return text.format(**kw) if kw else text


def current_lang() -> str:
    import streamlit as st
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    if get_script_run_ctx(suppress_warning=True) is None:  # e.g. a format_func called by AppTest's reader
        return "en"
    lang = st.session_state.get("lang", "en")
    return lang if lang in LANGS else "en"


def t(key: str, **kw: object) -> str:
    """Translate for this browser session's language."""
    return translate(key, current_lang(), **kw)


def bound():
    """A translate function fixed to this run's language, for ``format_func`` callbacks (which
    Streamlit, and AppTest's reader, may call later, outside the script run)."""
    lang = current_lang()
    return lambda key, **kw: translate(key, lang, **kw)


def labels(defaults: Mapping[str, str], prefix: str) -> dict[str, str]:
    """A figure's label dict translated: each default key looked up as ``prefix.key``."""
    lang = current_lang()
    return {k: translate(f"{prefix}.{k}", lang) if f"{prefix}.{k}" in STRINGS else v for k, v in defaults.items()}


def name_words() -> dict[str, str]:
    """viz/names.py's words in this run's language."""
    from viz.names import WORDS

    return labels(WORDS, "name")
