"""Workarounds for Streamlit behaviour found the hard way (each says which version showed it)."""

from __future__ import annotations


def started_in_pages_folder_mode() -> bool:
    """True while Streamlit still runs this app in its old 'pages/ folder' mode.

    Streamlit 1.67 decides that mode per server process (and per AppTest run) from the mere
    existence of pages/, before app.py gets to call st.navigation. A run made in that mode
    computes widget identities differently, so the first browser session after a server start
    lost every sidebar value on its second run, and AppTest reruns skipped app.py altogether.
    app.py asks this before st.navigation and reruns once if it was true.
    """
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # a future Streamlit without it has no such mode
        return False
    return bool(PagesManager.uses_pages_directory)
