"""Protection of requests that change state: CSRF tokens on forms, same-origin JSON on the API.

Forms carry Flask-WTF's CSRF token (checked for every POST of the app). JSON endpoints are exempt from
the token but accept only ``Content-Type: application/json`` (which a cross-site page cannot send without
a CORS preflight this app never grants) and refuse a request whose ``Origin`` or ``Sec-Fetch-Site`` says it
comes from another site. The tokens are signed with ``SECRET_KEY``, which every gunicorn worker must share:
app.py takes it from the environment or, failing that, from a key file created once in the index directory.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from flask import Blueprint, Flask, request
from flask_wtf.csrf import CSRFProtect
from werkzeug.exceptions import Forbidden, UnsupportedMediaType

log = logging.getLogger("crisis_desk.protection")

SECRET_KEY_FILE = "secret-key"
csrf = CSRFProtect()


def read_secret_key(index_dir: str | os.PathLike) -> str:
    """Return the key in ``index_dir/secret-key``, creating it (random, mode 0600) the first time.

    The file is written under a temporary name and linked into place, so processes starting at once all
    read the one complete key. Without an index directory, or a writable one, the key is random for this
    process only (forms then work only while one process serves them), which is logged.
    """
    path = Path(index_dir) / SECRET_KEY_FILE
    try:
        key = path.read_text(encoding="ascii").strip()
        if key:
            return key
    except (OSError, UnicodeDecodeError):
        pass
    key = secrets.token_hex(32)
    if not path.parent.is_dir():  # no index yet: nothing to protect, and no directory to create for it
        log.info("no index directory %s yet; this process signs forms with a key of its own", path.parent)
        return key
    tmp = path.with_name(f".{SECRET_KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(key + "\n")
        try:
            os.link(tmp, path)  # fails when another process got there first: then its key is the key
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
        return path.read_text(encoding="ascii").strip() or key
    except OSError as exc:
        log.warning(
            "cannot keep a secret key in %s (%s); set CRISIS_DESK_SECRET_KEY so that every worker shares one", path, exc
        )
        return key


def init_protection(app: Flask, json_blueprints: tuple[Blueprint, ...] = ()) -> None:
    """Check CSRF tokens on every form POST; ``json_blueprints`` (each guarded by
    :func:`require_same_origin_json`) are checked by that rule instead of a token."""
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # valid for the session: pages stay open for hours
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    csrf.init_app(app)
    for bp in json_blueprints:
        csrf.exempt(bp)


def require_same_origin_json() -> None:
    """Refuse a state-changing API request that is not JSON or comes from another site."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.mimetype != "application/json":
        raise UnsupportedMediaType("send a JSON body with Content-Type: application/json")
    origin = request.headers.get("Origin")
    if origin is not None and origin.rstrip("/") != f"{request.scheme}://{request.host}":
        raise Forbidden("cross-site requests are not accepted")
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        raise Forbidden("cross-site requests are not accepted")
