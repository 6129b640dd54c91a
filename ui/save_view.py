"""The Save page's "this run as code": the NumPy and PyTorch scripts (built when clicked), the data
file a bundled set's script reads, or why no script can carry this run."""

from __future__ import annotations

import functools

import streamlit as st

from backprop_core import export

from .i18n import t
from .state import AppState


def code_downloads(app: AppState) -> None:
    """Two download buttons (and the data file for bundled images), or a warning saying why not."""
    s = app.session
    st.subheader(t("save.code"))
    st.markdown(t("save.code.text"))
    differs = export.run_differs(s)
    if differs is not None:
        code, params = differs
        st.info(t(f"save.code.{code}", **params))
    try:
        export.check(s.config, s.dataset)
    except export.ExportError as exc:
        st.warning(t(f"save.code.{exc.code}", **exc.params))
        return
    inputs = export.inputs_of(s)  # immutable: the scripts are built from it when a button is clicked
    images = export.image_set(s.config.dataset) if s.config.dataset == s.dataset.name else None
    cols = st.columns(3 if images else 2)
    for col, kind in zip(cols, export.KINDS):
        name = export.script_name(kind, s.config)
        col.download_button(t(f"save.code.{kind}"), functools.partial(export.script, inputs, kind), name,
                            "text/x-python", key=f"save_code_{kind}", on_click="ignore", width="stretch")
    if images:
        cols[2].download_button(t("save.code.data", file=images.path.name), images.path.read_bytes,
                                images.path.name, "application/octet-stream", key="save_code_data",
                                on_click="ignore", width="stretch")
        st.caption(t("save.code.data_note", file=images.path.name))
    st.caption(t("save.code.run", file=export.script_name("numpy", s.config), it=inputs.iterations))
