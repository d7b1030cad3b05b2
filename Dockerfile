# The newsdesk application image: CLI, scheduled ingest (`newsdesk serve`), search API, Prefect server.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    NEWSDESK_HOME=/data/newsdesk \
    PREFECT_HOME=/data/prefect \
    PREFECT_SERVER_ANALYTICS_ENABLED=false \
    DO_NOT_TRACK=1

WORKDIR /app
RUN useradd --create-home --uid 1000 newsdesk && mkdir -p /data/newsdesk /data/prefect /data/inbox \
    && chown -R newsdesk:newsdesk /data

# Dependencies first (cached while only the code changes), then the project itself, editable so
# that mappings/ and kibana/ beside the package are found at run time.
COPY pyproject.toml README.md ./
RUN mkdir -p newsdesk flows && touch newsdesk/__init__.py flows/__init__.py \
    && pip install --upgrade pip && pip install . && pip uninstall -y newsdesk
COPY . .
RUN pip install --no-deps -e . && chown -R newsdesk:newsdesk /app

USER newsdesk
VOLUME ["/data/newsdesk", "/data/prefect"]
EXPOSE 8000
ENTRYPOINT ["newsdesk"]
CMD ["--help"]
