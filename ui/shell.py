"""Pieces every page shares: notices from the link, the status line, the share box."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit, urlunsplit

import streamlit as st

from .i18n import t
from .state import AppState, url_params


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
                st.text(t("notice.item", key=n.key, given=n.given, expected=n.expected).replace("`", ""))
        if st.button("OK", key="dismiss_notices"):
            app.notices.clear()
            st.rerun()


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
    with st.sidebar.popover(t("sb.share"), help=t("sb.share.help"), use_container_width=True):
        st.code(share_link(app, lang), language=None, wrap_lines=True)
        st.caption(t("sb.share.caption"))
