# Image of the avatars reference server (also runs the Dask scheduler and workers).
# Build: docker build -t avatars-server .   Start the whole stack: see docs/deploy.md.

# --- build stage: a virtual environment with the server and its server-side extras ---
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
RUN python -m venv /opt/avatars
COPY pyproject.toml README.md ./
COPY src ./src
COPY generated ./generated
# postgres: PostgreSQL driver; s3: object store (Dask comes with the core dependencies)
RUN /opt/avatars/bin/pip install --upgrade pip \
    && /opt/avatars/bin/pip install ".[postgres,s3]"

# --- runtime stage: the environment only, run by an unprivileged user ---
FROM python:3.11-slim AS runtime
ENV PATH=/opt/avatars/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    AVATAR_SERVER_HOST=0.0.0.0 \
    AVATAR_SERVER_PORT=8000 \
    AVATAR_SERVER_DATA_DIR=/data
RUN groupadd --system --gid 10001 avatars \
    && useradd --system --uid 10001 --gid avatars --home-dir /data --shell /usr/sbin/nologin avatars \
    && mkdir -p /data && chown avatars:avatars /data
COPY --from=build /opt/avatars /opt/avatars
USER avatars
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('AVATAR_SERVER_PORT', '8000')}/api/health\", timeout=4)"]
CMD ["avatars-server"]
