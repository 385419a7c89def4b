"""`/phone`: set a phone up by scanning. Open without signing in (a new phone has no
session yet, and may still be on plain HTTP): the HTTPS address as a QR code, and this
machine's certificate authority to install, with the steps for Android and iOS."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import gettext as _
from markupsafe import Markup

from shopfloor.access import public
from shopfloor.labels.codes import qr_svg
from shopfloor.serving import network, profiles, tls

bp = Blueprint("phone", __name__)


def _tls_directory() -> Path:
    return Path(current_app.instance_path) / "tls"


def _authority():
    if not current_app.config["SHOPFLOOR_TLS"]:
        return None
    return tls.authority_certificate(_tls_directory())


def https_origin() -> str | None:
    """Where a phone reaches the HTTPS app: the configured base URL when it is HTTPS (a real
    proxy); else, with the local authority, the host this page was opened by — when the
    certificate names it and a phone can reach it — or this machine's first address."""
    base = current_app.config.get("SHOPFLOOR_BASE_URL") or ""
    if base.startswith("https://"):
        return base
    if _authority() is None:
        return None
    port = current_app.config["HTTPS_PORT"]
    cert = _server_certificate()
    names, addresses = tls.certificate_names(cert) if cert is not None else (set(), set())
    host = (request.host.rsplit(":", 1)[0] if not request.host.endswith("]")
            else request.host).strip("[]").lower()
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None and address in addresses and not address.is_loopback:
        return network.url("https", address, port)
    if address is None and host in names and host != "localhost":
        return network.url("https", host, port)
    reachable = [a for a in sorted(addresses, key=lambda a: (a.version, int(a)))
                 if not a.is_loopback]
    return network.url("https", reachable[0], port) if reachable else None


def _server_certificate():
    try:
        from cryptography import x509

        return x509.load_pem_x509_certificate(
            (_tls_directory() / tls.SERVER_CERT).read_bytes())
    except (OSError, ValueError):
        return None


@bp.get("/phone")
@public
def setup():
    origin = https_origin()
    authority = _authority()
    return render_template(
        "phone/setup.html", https_url=origin and origin + "/",
        qr=Markup(qr_svg(origin + "/")) if origin else None,
        authority=authority, fingerprint=authority and tls.fingerprint(authority),
        on_https=request.is_secure)


@bp.get("/phone/shopfloor-ca.crt")
@public
def authority_certificate():
    authority = _authority() or abort(404)
    # DER with the CA content type: Android's certificate installer and Chrome's download
    # both recognise it as an authority to install.
    return current_app.response_class(
        profiles.certificate_der(authority), mimetype="application/x-x509-ca-cert",
        headers={"Content-Disposition": 'attachment; filename="shopfloor-ca.crt"'})


@bp.get("/phone/shopfloor.mobileconfig")
@public
def ios_profile():
    authority = _authority() or abort(404)
    body = profiles.mobileconfig(
        authority, display_name=_("Shopfloor on this workshop's network"),
        description=_("Lets this iPhone or iPad trust the Shopfloor server on your network."))
    return current_app.response_class(
        body, mimetype="application/x-apple-aspen-config",
        headers={"Content-Disposition": 'attachment; filename="shopfloor.mobileconfig"'})
