"""Settings, from environment variables with safe defaults.

| variable | default |
| --- | --- |
| FORMSERVICE_ENV | production (development, testing) |
| DATABASE_URL | sqlite:///<instance>/formservice.sqlite3 |
| SECRET_KEY | development: a random key kept in the instance folder; production: required |
| FORMSERVICE_INSTANCE | ./instance |
| FORMSERVICE_MUNICIPALITY | Kommunen |
| FORMSERVICE_MAX_UPLOAD_MB | 20 |
| FORMSERVICE_LOGIN_ATTEMPTS | 5 failed logins per user and address per 15 minutes |
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path


def load_config(overrides: dict | None = None) -> dict:
    env = os.environ
    overrides = dict(overrides or {})
    mode = overrides.get("ENV") or env.get("FORMSERVICE_ENV", "production")
    instance = Path(overrides.get("INSTANCE_PATH") or env.get("FORMSERVICE_INSTANCE", "instance")).resolve()
    instance.mkdir(parents=True, exist_ok=True)
    max_upload = int(env.get("FORMSERVICE_MAX_UPLOAD_MB", "20")) * 1024 * 1024
    config = {
        "ENV": mode,
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": env.get("DATABASE_URL") or f"sqlite:///{instance / 'formservice.sqlite3'}",
        "MUNICIPALITY": env.get("FORMSERVICE_MUNICIPALITY", "Kommunen"),
        "MAX_UPLOAD_BYTES": max_upload,
        # a whole request may carry the upload and a little form data around it
        "MAX_CONTENT_LENGTH": max_upload + 256 * 1024,
        "CELERY_BROKER_URL": env.get("CELERY_BROKER_URL") or None,
        "CELERY_QUEUE": env.get("CELERY_QUEUE", "formservice"),
        "LOGIN_ATTEMPTS": int(env.get("FORMSERVICE_LOGIN_ATTEMPTS", "5")),
        "LOGIN_WINDOW_MINUTES": 15,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": mode == "production" and env.get("FORMSERVICE_INSECURE_COOKIES") != "1",
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        "API_TITLE": "formservice",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        "OPENAPI_SWAGGER_UI_URL": "/static/swagger-ui/",
        # no badge from validator.swagger.io: the docs page contacts no other host
        "OPENAPI_SWAGGER_UI_CONFIG": {"validatorUrl": None},
        "WTF_CSRF_TIME_LIMIT": None,
    }
    config.update(overrides)
    config["SECRET_KEY"] = config.get("SECRET_KEY") or env.get("SECRET_KEY") or _secret(config)
    return config


def _secret(config) -> str:
    """A key made on first start and kept in the instance folder, readable by the service
    only (one machine); several machines must share SECRET_KEY from the environment."""
    path = Path(config["INSTANCE_PATH"]) / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
