"""Training: train N iterations (stoppable), loss and accuracy, the input plane, gradient health, results."""

import streamlit as st

from ui import shell, state
from ui import training_view as tv
from ui.i18n import current_lang, t

app = state.get()
st.title(t("training.title"))
shell.diverged(app)
st.markdown(t("training.intro"))
tv.controls(app)


@st.fragment(run_every=tv.tick_interval())
def live_view() -> None:
    tv.tick(app)
    tv.progress(app)
    tv.metrics(app)
    st.subheader(t("training.curves"))
    tv.curves(app)
    kind = tv.plane_kind(app.session.dataset)
    if kind is not None:
        st.subheader(t(f"training.plane.{kind}"))
        left, right = st.columns([1, 1])
        with left:
            tv.input_plane(app)
        with right:
            tv.hidden_units(app)
    state.write_url(app, current_lang())


live_view()
st.subheader(t("training.health"))
tv.health(app)
if app.session.dataset.task != "regression":
    st.subheader(t("training.results"))
    tv.results(app)
