"""Pure figure builders and LaTeX formatters: core records in, plotly figures / LaTeX strings out.

No streamlit here; import the submodules you need (``viz.network``, ``viz.equations``, ...).
Shared colours and font sizes live in ``viz.palette``.
"""
