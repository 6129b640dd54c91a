"""Save & share: the link, downloads of the trace, history and run, and continuing a saved run."""

import streamlit as st

from backprop_core import runfile
from ui import save_view, shell, state
from ui.i18n import current_lang, t

app = state.get()
s = app.session
st.title(t("save.title"))

st.subheader(t("save.share"))
st.markdown(t("save.share.text"))
st.code(shell.share_link(app, current_lang()), language=None, wrap_lines=True)
if len(s.segments) > 1 or s.edited:
    st.info(t("save.share.changed"))
if s.iteration > state.replay_cap(s.config, s.dataset):
    st.info(t("save.share.capped", cap=state.replay_cap(s.config, s.dataset)))

st.subheader(t("save.export"))
cols = st.columns(2)
stem = f"backprop-lab-{s.config.dataset}-it{s.iteration}"
if s.record is not None:
    cols[0].download_button(t("save.trace_json"), runfile.trace_json(s.record), f"{stem}-trace.json",
                            "application/json", width="stretch")
    cols[1].download_button(t("save.trace_csv"), runfile.trace_csv(s.record), f"{stem}-trace.csv", "text/csv",
                            width="stretch")
else:
    st.caption(t("save.no_trace"))
cols = st.columns(2)
cols[0].download_button(t("save.history_csv"), runfile.history_csv(s), f"{stem}-history.csv", "text/csv",
                        width="stretch")
cols[1].download_button(t("save.run_json"), runfile.run_json(s), f"{stem}-run.json", "application/json",
                        width="stretch")

save_view.code_downloads(app)

st.subheader(t("save.upload"))
st.file_uploader(t("save.upload"), type=["json"], key="run_upload", help=t("save.upload.help"),
                 label_visibility="collapsed")


def load_uploaded() -> None:
    up = st.session_state.get("run_upload")
    if up is None:
        return
    try:
        new = runfile.load_run(up.getvalue(), app.csv)
    except runfile.RunFileError as exc:
        st.session_state["save_error"] = f"{t('save.bad')}\n\n{shell.plain_markdown(str(exc))}"
    else:
        app.session = new
        app.reseed_widgets = True
        app.message = t("save.loaded", it=new.iteration)


st.button(t("save.load_button"), type="primary", on_click=load_uploaded,
          disabled=st.session_state.get("run_upload") is None)
if error := st.session_state.pop("save_error", None):
    st.error(error)
if app.message:
    st.success(app.message)
    app.message = None
