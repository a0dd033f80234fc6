# The monitor daemon. `docker compose up` runs it against PostgreSQL with Mailpit catching the digest.
# `monitor run` migrates the database before it schedules anything, so a new database just works.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md ./
COPY monitor ./monitor
COPY migrations ./migrations
COPY watchlists ./watchlists
RUN pip install . && rm -rf /src

RUN useradd --create-home --uid 10001 monitor && mkdir /data && chown monitor /data
USER monitor
WORKDIR /data

# /metrics and /healthz must be reachable from outside the container.
ENV MONITOR_DAEMON_METRICS_HOST=0.0.0.0
EXPOSE 9108
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:9108/healthz', timeout=4)"]

ENTRYPOINT ["monitor"]
CMD ["run"]
