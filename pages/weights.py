"""Weights: every layer's W, dL/dW and last update ΔW as heatmaps, and chosen weights over the iterations."""

import streamlit as st

from ui import shell, state
from ui import weights_view as wv
from ui.i18n import t

app = state.get()
st.title(t("weights.title"))
shell.diverged(app)
st.markdown(t("weights.intro"))
wv.heatmaps(app)

st.subheader(t("weights.lines"))
st.markdown(t("weights.lines.text"))
wv.lines(app)
