# Backprop Lab: container image, after Streamlit's "Deploy Streamlit using Docker" tutorial.
# Build:  docker build -t backprop-lab .
# Run:    docker run --rm -p 8501:8501 backprop-lab          -> http://localhost:8501
# Port:   docker run --rm -e STREAMLIT_SERVER_PORT=7860 -p 7860:7860 backprop-lab
# The same file serves Hugging Face Spaces (Docker SDK); see docs/deploy.md.

FROM python:3.11-slim

# No .pyc files in the read-only app tree, unbuffered logs, quiet pip; one BLAS thread per
# process (many sessions share one process: BLAS threads would only fight over the cores).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    OPENBLAS_NUM_THREADS=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    STREAMLIT_SERVER_PORT=8501

# Non-root user; uid 1000 is the uid Hugging Face Spaces runs containers with.
RUN useradd --create-home --uid 1000 app

WORKDIR /app

# Dependencies first so code edits reuse this layer.
# The redis client too: rooms live in Redis when BACKPROP_LAB_REDIS_URL is set (several replicas).
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt "redis>=5"

# Only what the app needs at run time (config.toml is read from WORKDIR/.streamlit).
COPY .streamlit/ ./.streamlit/
# The CJK font subset and its licence, served at app/static/ (server.enableStaticServing).
COPY static/ ./static/
COPY backprop_core/ ./backprop_core/
COPY classroom/ ./classroom/
COPY viz/ ./viz/
COPY ui/ ./ui/
COPY pages/ ./pages/
COPY app.py ./

USER app

# Documentation only; the listening port is STREAMLIT_SERVER_PORT (default 8501).
EXPOSE 8501

# Python instead of curl, so the slim image needs no apt packages; follows STREAMLIT_SERVER_PORT.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('STREAMLIT_SERVER_PORT', '8501') + '/_stcore/health', timeout=4)" || exit 1

# Streamlit reads the port from STREAMLIT_SERVER_PORT (a --server.port flag here would override it).
ENTRYPOINT ["streamlit", "run", "app.py", "--server.address=0.0.0.0"]
