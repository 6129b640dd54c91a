"""classroom: rooms for a live class (issue 12's foundation), no Streamlit and no NumPy.

``codes`` makes and validates room codes, teacher tokens and session ids; ``store`` keeps rooms in
this process (the default) or in Redis (``BACKPROP_LAB_REDIS_URL``). The app's pages are not wired
to it yet.
"""
