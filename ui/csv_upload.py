"""Loading your own CSV: upload, choose the target column, get a clear message for any problem."""

from __future__ import annotations

import streamlit as st

import backprop_core as bp

from .i18n import t
from .shell import plain_markdown
from .state import AppState
from .strings import STRINGS


def csv_error_text(exc: bp.CSVError) -> str:
    """A translated headline for the failure, then the loader's specific English detail (markdown-escaped:
    it quotes the file's own column names and cells)."""
    keys = (f"csv.err.{exc.code}", f"csv.err.{type(exc).code}", "csv.err.csv_error")  # most specific first
    head = t(next(k for k in keys if k in STRINGS))
    return f"{head}\n\n{plain_markdown(str(exc))}"


def csv_controls(app: AppState) -> None:
    """File uploader and target choice; on success app.csv holds the new Dataset."""
    limits = t("csv.limits", mb=bp.datasets.MAX_CSV_BYTES // 1_000_000, rows=bp.datasets.MAX_CSV_ROWS,
               cols=bp.datasets.MAX_CSV_COLUMNS)
    up = st.file_uploader(t("csv.upload"), type=["csv"], key="w_csv_file", help=limits)
    if up is None:
        if app.csv is None:
            st.info(t("csv.none"))
        return
    data = up.getvalue()
    try:
        columns = bp.csv_columns(data)
    except bp.CSVError as exc:
        st.error(csv_error_text(exc))
        return
    target = st.selectbox(t("csv.target"), columns, index=len(columns) - 1, key="w_csv_target")
    sig = (up.file_id if hasattr(up, "file_id") else up.name, len(data), target)
    if st.session_state.get("_csv_sig") == sig and app.csv is not None:
        st.caption(t("csv.loaded", n=app.csv.n_train + app.csv.n_test, f=app.csv.n_features, task=app.csv.task))
        return
    try:
        ds = bp.load_csv(data, target, test_ratio=app.config.test_ratio, seed=app.config.seed,
                         standardize=True, name=up.name[:40])
    except bp.CSVError as exc:
        st.error(csv_error_text(exc))
        return
    app.csv = ds
    st.session_state["_csv_sig"] = sig
    st.caption(t("csv.loaded", n=ds.n_train + ds.n_test, f=ds.n_features, task=ds.task))
