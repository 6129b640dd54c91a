"""The baseline app of bench_browser.py: one Step button, one metric, one plotly chart whose data changes
with every click. Whatever a real Streamlit round trip costs on this machine, this app pays it too.

    streamlit run bench/trivial_app.py
"""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

st.session_state.setdefault("n", 0)


def _step() -> None:
    st.session_state["n"] += 1


st.button("Step", on_click=_step)
n = st.session_state["n"]
st.metric("Iteration", f"{n:,}")
x = np.linspace(0.0, 2 * np.pi, 60)
fig = go.Figure(go.Scatter(x=x, y=np.sin(x + 0.3 * n), mode="lines+markers"))
fig.update_layout(height=420, uirevision="fixed", margin=dict(l=40, r=20, t=30, b=40))
st.plotly_chart(fig, key="chart", config={"displayModeBar": False})
