"""Step through one iteration: controls, status, the network diagram, the phase explained."""

import streamlit as st

from ui import live, shell, state, step_view
from ui.i18n import current_lang, t

app = state.get()
if not app.projector:  # projector mode: the room's screen height goes to the diagram
    st.title(t("step.title"))
live.teacher_panel(app)
if st.session_state.get("w_dataset") == "csv" and app.csv is None:
    st.info(t("status.waiting_csv"))
# View options sit outside the live fragment: a Step click does not redraw them.
with st.container(horizontal=True, vertical_alignment="bottom", gap="medium"):
    step_view.focus_picker(app)
    step_view.sample_picker(app)
    step_view.edges_k_picker(app)
    step_view.speed_picker()
    st.toggle(t("step.quiz"), key="quiz_on", help=t("step.quiz.help"))
    step_view.projector_toggle(app)
interval = step_view.play_interval(app)


@st.fragment(run_every=interval)
def live_view() -> None:
    # The controls live in the fragment: a click reruns only this part, not the sidebar and the page.
    step_view.controls(app)
    live.redraw_if_changed(app)  # a following student's own click: they explore now (the banner says so)
    if step_view.play_interval(app) != interval:  # Play / Pause changes run_every: redraw the page once
        st.rerun(scope="app")
    step_view.tick(app)
    live.sync(app)  # a Play tick moved the run: the class follows (button clicks publish from ui/actions.py)
    shell.diverged(app)
    step_view.status(app)
    sample = step_view.sample(app)
    focus = step_view.focus(app)
    step_view.quiz_box(app, sample)
    step_view.diagram(app, sample, focus)
    step_view.explanation(app, sample, focus)
    state.write_url(app, current_lang())


live_view()
