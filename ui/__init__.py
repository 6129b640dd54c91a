"""The only non-page code that imports streamlit: per-browser state, shared widgets, translations."""
