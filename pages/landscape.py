"""Loss landscape: the loss over a plane through weight space, the path so far, the current weights
and the next step as an arrow; click to drop the ball somewhere else, then Step."""

import streamlit as st

from ui import landscape_view as view
from ui import shell, state
from ui.i18n import t

app = state.get()
st.title(t("landscape.title"))
shell.diverged(app)
view.handle_click(app)  # a click on the last picture moves the weights before anything is drawn
view.step_buttons(app)
view.moved_message(app)
pv = view.preview(app)
data = view.surface_data(app)  # (X, Y, subsampled, digest)
left, right = st.columns([1, 3], gap="medium")
with left:
    opts = view.controls(app, pv.grad, len(data[0]))
with right:
    computing = t("landscape.computing", n=opts.res**2, rows=len(data[0]))
    with st.spinner(computing), view.progress_bar(computing) as bar:
        scene = view.scene(app, opts, pv, data, bar)
    if scene is None:
        st.info(t("landscape.pca_short"))
    else:
        view.draw(app, scene, opts)
        view.step_summary(app, scene, pv)
        view.captions(app, scene, opts, data)
