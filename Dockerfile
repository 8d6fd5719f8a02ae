# The service's production image: gunicorn serving the tool, run as a non-root user.
# Build: docker build -t emm-assessment .   Run: see compose.yaml and docs/operations.md.
# Settings come only from the environment (EMM_*, README.md); nothing secret is baked in.
# The same image runs the web process (default command), the grade worker, the sweeper and
# the migrations (`flask --app lti_tool:create_app db upgrade`), as compose.yaml and deploy/ do.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- build: the pinned dependencies in a virtualenv, the translations compiled -------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/emm
COPY pyproject.toml ./
# The runtime dependencies exactly as pinned in pyproject.toml; no demo or test extras.
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > requirements.txt \
    && /opt/emm/bin/pip install --no-cache-dir -r requirements.txt
COPY wsgi.py ./
COPY config config
COPY lti_tool lti_tool
COPY item_bank item_bank
COPY migrations migrations
RUN /opt/emm/bin/pybabel compile -d lti_tool/translations -D messages \
    && find . -name '__pycache__' -prune -exec rm -rf {} +

# --- final: the virtualenv and the service's code, nothing else ----------------------------
FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="emm-assessment" \
      org.opencontainers.image.description="LTI 1.3 final-assessment tool (E-Campus)"
RUN groupadd --system --gid 10001 emm \
    && useradd --system --uid 10001 --gid emm --home-dir /app --no-create-home --shell /usr/sbin/nologin emm \
    && install -d -o emm -g emm -m 0700 /var/lib/emm
COPY --from=build /opt/emm /opt/emm
COPY --from=build --chown=root:root /src /app
WORKDIR /app
ENV PATH=/opt/emm/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    EMM_ENV=production \
    EMM_BIND=0.0.0.0:8000 \
    EMM_DATA_DIR=/var/lib/emm \
    PROMETHEUS_MULTIPROC_DIR=/tmp/emm-metrics
USER 10001:10001
EXPOSE 8000
# Liveness from the process alone (lti_tool/health.py); readiness is the orchestrator's /readyz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
# No control socket: config/gunicorn.conf.py turns it off for every start (why: there).
CMD ["gunicorn", "-c", "config/gunicorn.conf.py", "wsgi:app"]
