"""Activations & losses: the reference the teacher points to, marked with what the network sees."""

import streamlit as st

import backprop_core as bp
from ui import state
from ui.i18n import labels, t
from viz import activations as fig_act

app = state.get()
s = app.session
rec = s.record
st.title(t("ref.title"))

st.header(t("ref.activations"))
st.markdown(t("ref.activations.text"))
acts = s.settings.activations
layer = st.selectbox(t("ref.layer"), range(len(acts)), format_func=lambda i: t("ref.layer.fmt", l=i + 1,
                     act=t(f"act.{acts[i]}")), index=0, key="ref_layer")
z_range = fig_act.z_range_of(rec.forward, layer) if rec is not None else None
if rec is None:
    st.caption(t("ref.no_record"))
names = list(bp.ACTIVATIONS)
tab_names = [t(f"act.{n}") for n in names]
for tab, name in zip(st.tabs(tab_names, default=tab_names[names.index(acts[layer])]), names):
    with tab:
        a = bp.ACTIVATIONS[name]
        used = [str(i + 1) for i, n in enumerate(acts) if n == name]
        if used:
            st.caption(t("ref.in_use", layers=", ".join(used)))
        c = st.columns(2)
        c[0].latex(a.latex_f)
        c[1].latex(a.latex_df)
        st.plotly_chart(fig_act.activation_figure(name, z_range, labels=labels(fig_act.ACTIVATION_LABELS, "fig.act")),
                        key=f"act_{name}", config={"displayModeBar": False})

st.header(t("ref.losses"))
st.markdown(t("ref.losses.text"))
y = st.slider(t("ref.target"), 0.0, 1.0, 1.0, 0.05, key="ref_y")
for tab, name in zip(st.tabs([t(f"loss.{n}") for n in bp.LOSSES]), bp.LOSSES):
    with tab:
        loss = bp.LOSSES[name]
        c = st.columns(2)
        c[0].latex(loss.latex)
        c[1].latex(loss.latex_grad)
        st.caption(t("ref.fits", outs=", ".join(loss.outputs)))
        st.plotly_chart(fig_act.loss_figure(name, y, labels=labels(fig_act.LOSS_LABELS, "fig.loss")),
                        key=f"loss_{name}", config={"displayModeBar": False})
