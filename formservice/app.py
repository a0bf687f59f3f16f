"""The Flask application factory: create_app(config) assembles the services (bootstrap)
and wires the API and the pages to them."""
from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from . import bootstrap, request_context
from .api import init_app as init_api
from .api import json_error
from .api.accounts_api import check_csrf
from .web import init_app as init_web
from .config import load_config
from .errors import IdConverter

log = logging.getLogger("formservice")
MAX_FORM_BYTES = 2 * 1024 * 1024


def create_app(config: dict | None = None) -> Flask:
    settings = load_config(config)
    app = Flask("formservice", instance_path=settings["INSTANCE_PATH"],
                static_folder=str(Path(__file__).resolve().parent / "web" / "static"),
                template_folder=str(Path(__file__).resolve().parent / "web" / "templates"))
    app.config.update(settings)
    # Before any route is added: a number in a path is a database id, 1 … 2^31-1, whether
    # the route says <id:…> or <int:…>; any other is a 404 that never reaches the database.
    app.url_map.converters["id"] = app.url_map.converters["int"] = IdConverter
    # JSON bodies and the pages' forms carry a form's data, not a file: 2 MB is ~100 times a
    # long set of minutes, and refused before a byte is read (files: MAX_UPLOAD_BYTES).
    app.config.setdefault("MAX_FORM_BYTES", MAX_FORM_BYTES)
    request_context.init_app(app, bootstrap.build(settings))

    app.before_request(check_csrf)
    init_api(app)
    init_web(app)

    @app.get("/healthz")
    def health():
        return {"status": "ok"}

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if not request.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.errorhandler(Exception)
    def unexpected(exc):
        if isinstance(exc, HTTPException):
            return json_error(exc)
        log.exception("unexpected error on %s %s", request.method, request.path)
        response = jsonify({"status": 500, "errors": [], "message": (
            "Der skete en fejl på serveren. Prøv igen; fortsætter fejlen, så kontakt support.")})
        response.status_code = 500
        return response

    return app
