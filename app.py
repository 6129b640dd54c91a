"""Backprop Lab: entrypoint. Page config, navigation over pages/, the shared sidebar."""

from pathlib import Path

from ui import warmup

warmup.prepare()  # first: every lazy import of a first run, once, before 40 cold first runs race (ui/warmup.py)

import streamlit as st  # noqa: E402

from ui import compat, live, shell, state  # noqa: E402
from ui.i18n import current_lang, t  # noqa: E402
from ui.sidebar import follower_sidebar, sidebar  # noqa: E402

ICON = Path(__file__).parent / "ui" / "icon.png"
# A projector link opens with the sidebar folded: the diagram gets the whole width of the room's screen.
_SIDEBAR = "collapsed" if st.query_params.get("projector") == "1" else "expanded"
st.set_page_config(page_title="Backprop Lab", page_icon=str(ICON), layout="wide", initial_sidebar_state=_SIDEBAR)

PAGES = (
    ("pages/step.py", "nav.step", ":material/footprint:", "step-through"),
    ("pages/chain_rule.py", "nav.chain", ":material/link:", "chain-rule"),
    ("pages/reference.py", "nav.reference", ":material/show_chart:", "activations-losses"),
    ("pages/landscape.py", "nav.landscape", ":material/landscape:", "loss-landscape"),
    ("pages/training.py", "nav.training", ":material/monitoring:", "training-run"),
    ("pages/weights.py", "nav.weights", ":material/grid_on:", "weight-matrices"),
    ("pages/compare.py", "nav.compare", ":material/compare:", "compare-runs"),
    ("pages/save.py", "nav.save", ":material/save:", "save-share"),
)  # url paths differ from the file names on purpose (see ui/compat.py)
# Navigation comes before any widget, and a run made in Streamlit's old pages/-folder mode is
# redone at once (see ui/compat.py): otherwise the sidebar loses its values.
folder_mode = compat.started_in_pages_folder_mode()
app = state.get()  # first, so a link's ?lang= already names the pages (creates no widget)
pages = [st.Page(path, title=t(key), icon=icon, url_path=url, default=(i == 0))
         for i, (path, key, icon, url) in enumerate(PAGES)]
nav = st.navigation(pages)
if folder_mode:
    st.rerun()
if not st.session_state.get("_live_joined"):  # a class link (?room=...) is read once per browser session
    st.session_state["_live_joined"] = True
    live.join(app, st.query_params.to_dict())
if live.following(app):  # the teacher's settings, read-only: the class follows the teacher's run
    follower_sidebar(app)
else:
    state.apply(app, sidebar(app))
lang = current_lang()
here = nav.url_path or PAGES[0][3]
shell.notices(app)
live.banner(app, {url: p for p, (_, _, _, url) in zip(pages, PAGES)}, here)
live.poll(app)
live.sync(app, page=here)
shell.share_box(app, lang)
state.write_url(app, lang)
nav.run()
