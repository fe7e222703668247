# OpenLot: gunicorn on Python 3.11, as a non-root user.
# Build:    docker build -t openlot .
# Migrate:  docker run --rm --env-file .env openlot python manage.py migrate
# Serve:    docker run --env-file .env -p 8000:8000 openlot
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production

WORKDIR /app
RUN useradd --create-home --uid 10001 openlot

COPY pyproject.toml README.md ./
COPY config ./config
COPY lots ./lots
COPY parking ./parking
COPY payments ./payments
COPY admin_portal ./admin_portal
COPY templates ./templates
COPY static ./static
COPY locale ./locale
COPY scripts/compile_messages.py ./scripts/
COPY manage.py ./
RUN pip install . \
    && python scripts/compile_messages.py \
    && SECRET_KEY=build-only-collectstatic-key-not-used-at-runtime-000000 ALLOWED_HOSTS=build \
       STATIC_ROOT=/app/staticfiles python manage.py collectstatic --noinput \
    && mkdir -p /var/lib/openlot/media && chown openlot /var/lib/openlot/media

ENV STATIC_ROOT=/app/staticfiles MEDIA_ROOT=/var/lib/openlot/media
USER openlot
EXPOSE 8000
CMD ["gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi"]
