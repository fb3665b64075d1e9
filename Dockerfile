# Internkontroll-boten as a container: `ikbot serve` on 0.0.0.0:3978.
#
# Off loopback the bot refuses to start anonymously, so the container needs the Bot
# Framework settings (CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID, …) and the
# workbook settings (IKBOT_GRAPH_* or a mounted IKBOT_WORKBOOK); see docs/deploy.md.
#
#   docker build -t ikbot .
#   docker run --env-file ikbot.env -p 3978:3978 -v ikbot-data:/data ikbot

ARG PYTHON_VERSION=3.11

# ---- build: install the project (not the dev extras) into a virtualenv ----
FROM python:${PYTHON_VERSION}-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/ikbot
WORKDIR /src
# .dockerignore lets in only pyproject.toml, README.md and the Python packages.
COPY . .
RUN /opt/ikbot/bin/pip install .

# ---- run: the virtualenv on a slim Python, as a user without privileges ----
FROM python:${PYTHON_VERSION}-slim
RUN useradd --system --uid 10001 --user-group --home-dir /nonexistent --no-create-home ikbot \
    && mkdir /data && chown ikbot:ikbot /data
COPY --from=build /opt/ikbot /opt/ikbot
ENV PATH=/opt/ikbot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    IKBOT_HOST=0.0.0.0 \
    IKBOT_PORT=3978 \
    IKBOT_DATA_DIR=/data \
    IKBOT_LOG_FORMAT=json
# Without IKBOT_DATABASE_URL (PostgreSQL) the store is SQLite here: keep it on a volume on
# the host's local disk (never a network share), and back it up.
VOLUME ["/data"]
WORKDIR /data
USER ikbot
EXPOSE 3978
# Liveness through Python's standard library: the image needs no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('IKBOT_PORT', '3978'), timeout=4)"]
ENTRYPOINT ["ikbot"]
CMD ["serve"]
