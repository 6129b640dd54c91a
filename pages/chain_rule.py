"""The chain rule for one weight or bias: every factor with the engine's numbers, the batch sum, the
update, and a central-difference check beside it."""

import streamlit as st

from ui import chain_view, shell, state
from ui.i18n import t

app = state.get()
st.title(t("chain.title"))
shell.diverged(app)
st.caption(t("chain.intro"))
rec, preview = chain_view.record_for(app)
if rec is None:
    st.stop()
chain_view.source(app, rec, preview)
chain_view.apply_click(app.session.net.sizes)

pick, sample, digits = chain_view.pickers(app, rec)
chain_view.diagram(app, rec, pick, sample)

derivation, check = st.columns([3, 2], gap="large")
with derivation:
    chain_view.derivation(rec, pick, sample, digits)
with check:
    chain_view.gradient_check(app, rec, pick)
