# c360 gateway: a slim image, run as a non-root user, with a health check.
#   docker build -t c360 .
#   docker run -p 8000:8000 -v $PWD/c360.yaml:/etc/c360/c360.yaml:ro c360
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin c360
WORKDIR /opt/c360
COPY pyproject.toml README.md ./
COPY model ./model
COPY gateway ./gateway
COPY connectors ./connectors
COPY schema ./schema
COPY demo ./demo
RUN pip install . && rm -rf /root/.cache

USER c360
WORKDIR /home/c360
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)" || exit 1
# SIGTERM: uvicorn stops accepting, lets in-flight requests finish (30 s), then exits
STOPSIGNAL SIGTERM
ENTRYPOINT ["c360"]
CMD ["serve", "--config", "/etc/c360/c360.yaml", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
