"""Settings, read once from the environment and an optional municipality profile, then
passed down: nothing else in the package reads the environment.

| variable | default |
| --- | --- |
| FORMSERVICE_ENV | production (development, testing) |
| DATABASE_URL | sqlite:///<instance>/formservice.sqlite3: the role the service and workers use |
| DATABASE_OWNER_URL | none: the role that owns the schema, migrates and grants DATABASE_URL's role its rights (docs/OPERATIONS.md) |
| SECRET_KEY | a random key kept in the instance folder (one machine) |
| FORMSERVICE_INSTANCE | ./instance |
| FORMSERVICE_PROFILE | none: the municipality's profile, a TOML file (see profiles/holbaek.toml) |
| FORMSERVICE_MUNICIPALITY | the profile's name, else "Kommunen" |
| FORMSERVICE_MEETING_TYPES | the profile's, else UM and NM ("UM=Udviklingsmøde;NM=Netværksmøde") |
| FORMSERVICE_CPR_ENABLED | the profile's, else off |
| FORMSERVICE_MAX_UPLOAD_MB | 20 |
| FORMSERVICE_LOGIN_ATTEMPTS | 5 failed logins of one user name from one address in 15 minutes lock that pair for 15 minutes; each further lock within a day lasts twice as long (at most a day) |
| FORMSERVICE_LOGIN_ADDRESS_LIMIT | 50 failed logins from one address per 15 minutes: then its wrong passwords are refused with 429 (right ones still log in) |
| FORMSERVICE_TRUSTED_PROXIES | 0: how many proxies in front set X-Forwarded-For/-Proto (ProxyFix) |
| FORMSERVICE_TOKEN_DAYS | 90: an API token's lifetime |
| FORMSERVICE_CHANNEL_TIMEOUT | 30 seconds a connection may be idle (waitress) |
| FORMSERVICE_CONNECTION_LIMIT | 1000 connections at once (waitress) |
| FORMSERVICE_MAX_REQUEST_BODY_MB | twice the upload limit: waitress' own body limit |
| FORMSERVICE_RETENTION_DAYS | 1826: a closed case's data is deleted so long after it was closed |
| FORMSERVICE_AUDIT_RETENTION_DAYS | 1826: an audit entry is deleted at this age |
| FORMSERVICE_PARSE_WORKERS | 2 uploads read at once, each in a worker process |
| FORMSERVICE_PARSE_MEMORY_MB | 300: the address space of a worker reading an upload |
| FORMSERVICE_PARSE_CPU_SECONDS | 10 per document; the worker is killed after twice that |
| FORMSERVICE_SCAN_WORKERS | 1 scan or photo of a printed form read at once (OpenCV, zxing-cpp, PDFium) |
| FORMSERVICE_SCAN_MEMORY_MB | 640: a scan worker's address space (its libraries map about 360 MB) |
| FORMSERVICE_SCAN_CPU_SECONDS | 40 per file (up to 20 pages); killed after 1.5 times that |
| FORMSERVICE_BATCH_THREADS | 2 (a batch without a broker: threads of the service's process) |
| FORMSERVICE_BATCH_PROCESSES | 0: threads; N: a pool of N processes, so a batch uses N cores |
| FORMSERVICE_BATCH_CHUNK | 50 documents per task, stored with one commit |
| FORMSERVICE_BATCH_LEASE_SECONDS | 30: a batch that has not moved this long is resumed |
| FORMSERVICE_BATCH_SWEEP_SECONDS | 10: how often the service looks for such batches |
| CELERY_BROKER_URL | none: batches are produced in the service's own process |
| CELERY_QUEUE | formservice |
| CELERY_PREFETCH | 4 |
| CELERY_VISIBILITY_TIMEOUT | 60 seconds (a dead worker's tasks go to another after this) |
| CELERY_RESTORE_INTERVAL | 10 seconds |

A profile holds what differs between municipalities: the name in each document's header,
a logo, the contact named in the consent guidance, the meeting types, CPR on or off, and
which rules are errors, warnings or off (by their code; the defaults are FORMS.md's).
"""
from __future__ import annotations

import os
import secrets
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from .rules import RULE_CODES

DEFAULT_MEETING_TYPES = (("UM", "Udviklingsmøde"), ("NM", "Netværksmøde"))
SEVERITIES = ("error", "warning", "off")


class ConfigError(ValueError):
    """A setting or profile that cannot be used; the message says which and why (Danish)."""


@dataclass(frozen=True)
class Profile:
    """What differs between municipalities (FORMS.md: "their differences live in a profile")."""
    name: str = "Kommunen"
    logo: str | None = None          # path to a PNG, resolved against the profile's folder
    contact: str | None = None       # whom parents contact about the consent (the guidance)
    meeting_types: tuple = DEFAULT_MEETING_TYPES
    cpr_enabled: bool = False
    severity: dict = field(default_factory=dict)  # rule code -> error | warning | off
    source: str | None = None        # the file it was read from


def read_profile(path: str | Path) -> Profile:
    """A municipality profile from a TOML file:

        [municipality]
        name = "Holbæk Kommune"
        logo = "holbaek.png"            # optional
        contact = "..."                 # optional
        [meeting_types]                 # optional; code = label, in order
        UM = "Udviklingsmøde"
        [cpr]
        enabled = false
        [rules]                         # optional; code = "error" | "warning" | "off"
        "meeting.leader_is_note_taker" = "error"
    """
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"Kommunens profil findes ikke: {path}") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"Kommunens profil {path} kan ikke læses: {exc}") from None
    municipality = raw.get("municipality") or {}
    name = str(municipality.get("name") or "").strip()
    if not name:
        raise ConfigError(f"Kommunens profil {path}: [municipality] name mangler.")
    logo = municipality.get("logo")
    if logo:
        logo_path = (path.parent / str(logo)).resolve()
        if not logo_path.is_file():
            raise ConfigError(f"Kommunens profil {path}: logoet {logo} findes ikke.")
        logo = str(logo_path)
    types = tuple((str(code).strip(), str(label).strip())
                  for code, label in (raw.get("meeting_types") or {}).items())
    if any(not code or not label for code, label in types):
        raise ConfigError(f"Kommunens profil {path}: en mødetype mangler kode eller navn.")
    return Profile(name=name, logo=logo or None,
                   contact=(str(municipality.get("contact")).strip() or None)
                   if municipality.get("contact") else None,
                   meeting_types=types or DEFAULT_MEETING_TYPES,
                   cpr_enabled=bool((raw.get("cpr") or {}).get("enabled", False)),
                   severity=_severity(raw.get("rules") or {}, path), source=str(path))


def _severity(rules: dict, path) -> dict:
    out = {}
    for code, severity in rules.items():
        if code not in RULE_CODES:
            raise ConfigError(f"Kommunens profil {path}: ukendt regel '{code}'.")
        if severity not in SEVERITIES:
            raise ConfigError(f"Kommunens profil {path}: reglen '{code}' skal være "
                              f"error, warning eller off, ikke '{severity}'.")
        out[code] = severity
    return out


def _meeting_types(text: str) -> tuple:
    pairs = []
    for item in text.split(";"):
        code, _, label = item.partition("=")
        if code.strip() and label.strip():
            pairs.append((code.strip(), label.strip()))
    if not pairs:
        raise ConfigError("FORMSERVICE_MEETING_TYPES skal se sådan ud: "
                          "UM=Udviklingsmøde;NM=Netværksmøde")
    return tuple(pairs)


def _int(env, name: str, default: int) -> int:
    value = env.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{name} skal være et helt tal, ikke '{value}'.") from None


def load_profile(env=None) -> Profile:
    """The profile named by FORMSERVICE_PROFILE (if any), with the single settings of the
    environment on top of it."""
    env = os.environ if env is None else env
    profile = read_profile(env["FORMSERVICE_PROFILE"]) if env.get("FORMSERVICE_PROFILE") else Profile()
    changes = {}
    if env.get("FORMSERVICE_MUNICIPALITY"):
        changes["name"] = env["FORMSERVICE_MUNICIPALITY"]
    if env.get("FORMSERVICE_MEETING_TYPES", "").strip():
        changes["meeting_types"] = _meeting_types(env["FORMSERVICE_MEETING_TYPES"])
    if env.get("FORMSERVICE_CPR_ENABLED"):
        changes["cpr_enabled"] = env["FORMSERVICE_CPR_ENABLED"].lower() in ("1", "true", "yes", "ja")
    if changes:
        profile = replace(profile, **changes)
    return profile


def load_config(overrides: dict | None = None, env=None) -> dict:
    """Every setting of the service, as the Flask app's config (upper-case keys); the
    profile is under PROFILE. `overrides` (tests, create_app(config)) win."""
    env = os.environ if env is None else env
    overrides = dict(overrides or {})
    mode = overrides.get("ENV") or env.get("FORMSERVICE_ENV", "production")
    instance = Path(overrides.get("INSTANCE_PATH") or env.get("FORMSERVICE_INSTANCE", "instance")).resolve()
    instance.mkdir(mode=0o700, parents=True, exist_ok=True)
    profile = overrides.get("PROFILE") or load_profile(env)
    if "MUNICIPALITY" in overrides:
        profile = replace(profile, name=overrides["MUNICIPALITY"])
    max_upload = _int(env, "FORMSERVICE_MAX_UPLOAD_MB", 20) * 1024 * 1024
    max_body_mb = _int(env, "FORMSERVICE_MAX_REQUEST_BODY_MB", 0)
    config = {
        "ENV": mode,
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": env.get("DATABASE_URL") or f"sqlite:///{instance / 'formservice.sqlite3'}",
        "DATABASE_OWNER_URL": env.get("DATABASE_OWNER_URL") or None,
        "MAX_UPLOAD_BYTES": max_upload,
        # a whole request may carry the upload and a little form data around it
        "MAX_CONTENT_LENGTH": max_upload + 256 * 1024,
        "CELERY_BROKER_URL": env.get("CELERY_BROKER_URL") or None,
        "CELERY_QUEUE": env.get("CELERY_QUEUE", "formservice"),
        "CELERY_PREFETCH": _int(env, "CELERY_PREFETCH", 4),
        "CELERY_VISIBILITY_TIMEOUT": _int(env, "CELERY_VISIBILITY_TIMEOUT", 60),
        "CELERY_RESTORE_INTERVAL": _int(env, "CELERY_RESTORE_INTERVAL", 10),
        "PARSE_WORKERS": max(1, _int(env, "FORMSERVICE_PARSE_WORKERS", 2)),
        "PARSE_MEMORY_MB": max(64, _int(env, "FORMSERVICE_PARSE_MEMORY_MB", 300)),
        "PARSE_CPU_SECONDS": max(1, _int(env, "FORMSERVICE_PARSE_CPU_SECONDS", 10)),
        "SCAN_WORKERS": max(1, _int(env, "FORMSERVICE_SCAN_WORKERS", 1)),
        "SCAN_MEMORY_MB": max(400, _int(env, "FORMSERVICE_SCAN_MEMORY_MB", 640)),
        "SCAN_CPU_SECONDS": max(5, _int(env, "FORMSERVICE_SCAN_CPU_SECONDS", 40)),
        "BATCH_THREADS": _int(env, "FORMSERVICE_BATCH_THREADS", 2),
        "BATCH_PROCESSES": _int(env, "FORMSERVICE_BATCH_PROCESSES", 0),
        "BATCH_CHUNK": max(1, _int(env, "FORMSERVICE_BATCH_CHUNK", 50)),
        "BATCH_LEASE_SECONDS": max(1, _int(env, "FORMSERVICE_BATCH_LEASE_SECONDS", 30)),
        "BATCH_SWEEP_SECONDS": max(1, _int(env, "FORMSERVICE_BATCH_SWEEP_SECONDS", 10)),
        "LOGIN_ATTEMPTS": _int(env, "FORMSERVICE_LOGIN_ATTEMPTS", 5),
        "LOGIN_WINDOW_MINUTES": 15,
        "LOGIN_ADDRESS_LIMIT": _int(env, "FORMSERVICE_LOGIN_ADDRESS_LIMIT", 50),
        "TRUSTED_PROXIES": _int(env, "FORMSERVICE_TRUSTED_PROXIES", 0),
        "TOKEN_LIFETIME_DAYS": _int(env, "FORMSERVICE_TOKEN_DAYS", 90),
        "CHANNEL_TIMEOUT": _int(env, "FORMSERVICE_CHANNEL_TIMEOUT", 30),
        "CONNECTION_LIMIT": _int(env, "FORMSERVICE_CONNECTION_LIMIT", 1000),
        # waitress refuses a body over its own limit with a bare English text/plain 413; by
        # default it is above the app's, so a body somewhat too large gets the Danish answer
        "MAX_REQUEST_BODY_SIZE": (max_body_mb * 1024 * 1024 if max_body_mb > 0
                                  else 2 * (max_upload + 256 * 1024)),
        "RETENTION_DAYS": _int(env, "FORMSERVICE_RETENTION_DAYS", 1826),
        "AUDIT_RETENTION_DAYS": _int(env, "FORMSERVICE_AUDIT_RETENTION_DAYS", 1826),
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
    config["PROFILE"] = profile
    config["MUNICIPALITY"] = profile.name
    config["SECRET_KEY"] = config.get("SECRET_KEY") or env.get("SECRET_KEY") or _secret(config)
    return config


def _secret(config) -> str:
    """A key made on first start and kept in the instance folder, readable by the service
    only (one machine); several machines must share SECRET_KEY from the environment."""
    path = Path(config["INSTANCE_PATH"]) / "secret_key"
    if not path.exists():
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(secrets.token_hex(32))
    return path.read_text().strip()
