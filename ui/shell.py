"""Pieces every page shares: notices from the link, the status line, the share box."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit, urlunsplit

import streamlit as st

from backprop_core.config import FIELD_BY_NAME, Notice

from .i18n import t
from .state import AppState, url_params
from .strings import STRINGS

_MARKDOWN_SPECIAL = frozenset("\\`*_{}[]()<>#+-.!|~$:&\"'=")


def plain_markdown(text: str) -> str:
    """``text`` escaped so that st.error / st.markdown show it literally: user-supplied names inside a
    message (CSV headers, run-file values) cannot become links, images, emphasis or LaTeX. (A bare
    https://… or www.… may still be auto-linked, but such a link shows its own address.)"""
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIAL else ch for ch in text).replace("\n", "  \n")


def notice_text(n: Notice) -> str:
    """One notice as plain text. The template is filled here: t()'s own first parameter is
    called ``key``, so ``t("notice.item", key=...)`` would raise TypeError."""
    field = f"field.{n.key}"
    expected = t(field) if field in STRINGS and n.expected == FIELD_BY_NAME[n.key].describe else n.expected
    return t("notice.item").format(key=n.key, given=n.given, expected=expected).replace("`", "")


def notices(app: AppState) -> None:
    """What the link asked for but could not get, until dismissed."""
    if not app.notices:
        return
    with st.container(border=True):
        st.warning(t("notice.title"))
        for n in app.notices:
            if n.key == "dataset" and n.given == "csv":
                st.markdown(t("notice.csv_link"))
            else:  # user text is shown as plain text inside the template, never as HTML
                st.text(notice_text(n))
        # a callback, not the return value: a click survives the rerun app.py may make first (ui/compat.py)
        st.button("OK", key="dismiss_notices", on_click=app.notices.clear)


def diverged(app: AppState) -> None:
    d = app.session.diverged
    if d is not None:
        st.error(t("status.diverged", it=d.iteration, what=t(f"div.{d.code}"), lr=f"{d.lr:g}"), icon="⚠️")


def share_link(app: AppState, lang: str) -> str:
    """The full address that reproduces this view."""
    query = urlencode(url_params(app, lang))
    try:
        base = urlsplit(st.context.url or "")
        return urlunsplit((base.scheme, base.netloc, base.path, query, ""))
    except (AttributeError, ValueError):
        return f"?{query}"


def share_box(app: AppState, lang: str) -> None:
    with st.sidebar.popover(t("sb.share"), help=t("sb.share.help"), width="stretch"):
        st.code(share_link(app, lang), language=None, wrap_lines=True)
        st.caption(t("sb.share.caption"))
