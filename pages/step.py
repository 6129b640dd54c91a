"""Step through one iteration: controls, status, the network diagram, the phase explained."""

import streamlit as st

from ui import shell, state, step_view
from ui.i18n import t

app = state.get()
st.title(t("step.title"))
shell.diverged(app)
if st.session_state.get("w_dataset") == "csv" and app.csv is None:
    st.info(t("status.waiting_csv"))
step_view.controls(app)
st.toggle(t("step.quiz"), key="quiz_on", help=t("step.quiz.help"))


@st.fragment(run_every=step_view.play_interval(app))
def live_view() -> None:
    step_view.tick(app)
    step_view.status(app)
    picks = st.columns(2)
    with picks[0]:
        sample = step_view.sample_picker(app)
    with picks[1]:
        focus = step_view.focus_picker(app)
    step_view.quiz_box(app, sample)
    step_view.diagram(app, sample, focus)
    step_view.explanation(app, sample, focus)
    state.write_url(app, st.session_state.get("lang", "en"))


live_view()
