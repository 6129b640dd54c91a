"""Compare runs: two to four copies of the sidebar's run, from the same weights, differing in one setting."""

import streamlit as st

from ui import compare_view as view
from ui import state
from ui.i18n import t

app = state.get()
st.title(t("compare.title"))
st.markdown(t("compare.intro"))
request = view.controls(app)
st.button(t("compare.run"), key="compare_run", type="primary", icon=":material/play_arrow:",
          on_click=view.ask, disabled=request is None)
result = view.run_asked(app, request) or view.cached(app)

if result is None:
    st.info(t("compare.press_run"))
else:
    if request is None or result.request.key != request.key:
        st.info(t("compare.stale", what=view.describe(result.request)))
    view.summary(result)
    view.curves(result)
    view.landscape(result)
view.explain(request.setting if request is not None else st.session_state.get("compare_setting", "optimizer"))
