"""Configuration from the environment (docs/ARCHITECTURE.md, "Contracts").

`DATABASE_URL` picks the database (SQLite file under instance/ by default),
`SECRET_KEY` signs sessions (generated once and kept under instance/ when unset),
`SHOPFLOOR_BASE_URL` is the origin printed into QR codes.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path


def _secret_key(instance_path: Path) -> str:
    """The key must survive restarts (or every phone is logged out), and must be the same
    for every gunicorn worker, so it lives in a file rather than in memory."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        # Write-then-rename so two workers starting together agree on one key.
        tmp = key_file.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(secrets.token_hex(32))
        os.chmod(tmp, 0o600)
        try:
            os.link(tmp, key_file)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return key_file.read_text().strip()


def from_environment(instance_path: Path) -> dict:
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'shopfloor.db'}"
    if database_url.startswith("postgresql://"):
        # psycopg 3 is the driver we ship; plain postgresql:// would ask for psycopg2.
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]
    base_url = os.environ.get("SHOPFLOOR_BASE_URL", "").rstrip("/")
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SHOPFLOOR_BASE_URL": base_url,
        # Cookies: never readable from scripts, not sent on cross-site POSTs, and Secure
        # whenever the request came over HTTPS (see SecureWhenHttpsSessionInterface).
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": base_url.startswith("https://"),
        "PERMANENT_SESSION_LIFETIME": timedelta(days=14),
        # A phone may hold a queued form for a week offline: the CSRF token lives as long as
        # the session rather than expiring after an hour.
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": int(os.environ.get("SHOPFLOOR_MAX_UPLOAD_BYTES", 5 * 1024 * 1024)),
        "BABEL_DEFAULT_LOCALE": "en",
        "LANGUAGES": ("en", "ro"),
        "PROXY_COUNT": int(os.environ.get("SHOPFLOOR_PROXY_COUNT", "0")),
        # HTTPS with the local certificate authority (shopfloor.serving); off behind a proxy
        # that has a real certificate.
        "SHOPFLOOR_TLS": os.environ.get("SHOPFLOOR_TLS", "on").strip().lower()
        not in ("off", "0", "false", "no"),
        "HTTPS_PORT": int(os.environ.get("HTTPS_PORT", "5443")),
        # Failed logins allowed in LOGIN_WINDOW before further attempts are refused.
        "LOGIN_MAX_FAILURES_PER_USER_AND_ADDRESS": 5,
        "LOGIN_MAX_FAILURES_PER_ADDRESS": 20,
        "LOGIN_WINDOW": timedelta(minutes=15),
    }
