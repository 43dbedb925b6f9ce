# One image for every server role (migrate, web replicas, collectstatic).
# Stage 1 builds the browser client's bundle with npm; stage 2 is the Python runtime.
FROM node:20-bookworm-slim AS client
WORKDIR /src/web_client
COPY web_client/package.json web_client/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web_client/ ./
RUN npm run build

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 STATIC_ROOT=/app/staticfiles
WORKDIR /app
COPY pyproject.toml README.md ./
COPY engine/ engine/
COPY game_server/ game_server/
COPY lobby/ lobby/
COPY accounts/ accounts/
COPY web_client/ web_client/
COPY boardroom/ boardroom/
COPY manage.py ./
COPY --from=client /src/web_client/static/ web_client/static/
RUN pip install --no-cache-dir -e . \
    && useradd --system --home /app boardroom \
    && python manage.py collectstatic --noinput
USER boardroom
EXPOSE 8000
CMD ["python", "-m", "boardroom.serve", "--host", "0.0.0.0", "--port", "8000"]
