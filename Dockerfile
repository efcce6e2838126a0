# Doorstep portal: `portal serve` by default; `portal worker` for background jobs.
FROM node:20-bookworm-slim AS static
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --omit=dev \
 && mkdir -p /static/vendor \
 && cp node_modules/htmx.org/dist/htmx.min.js /static/vendor/

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PORTAL_VAR_DIR=/var/lib/doorstep
RUN useradd --system --home /app --shell /usr/sbin/nologin doorstep \
 && mkdir -p /var/lib/doorstep && chown doorstep /var/lib/doorstep
WORKDIR /app
COPY pyproject.toml README.md ./
COPY portal ./portal
COPY carriers ./carriers
RUN pip install --no-cache-dir -e .
COPY templates ./templates
COPY static ./static
COPY --from=static /static/vendor ./static/vendor
USER doorstep
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"
CMD ["portal", "serve", "--host", "0.0.0.0", "--port", "8000"]
