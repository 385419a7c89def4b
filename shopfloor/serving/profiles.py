"""The authority's certificate in the forms phones install: DER for Android (Settings →
Security → Install a certificate → CA certificate takes a `.crt` file), and an Apple
configuration profile with a `com.apple.security.root` payload for iOS and iPadOS."""

from __future__ import annotations

import plistlib
import uuid

from cryptography import x509
from cryptography.hazmat.primitives import serialization

# The same authority always gives the same profile identifiers, so installing it twice
# replaces the first rather than adding a second one.
_NAMESPACE = uuid.UUID("6f1c7a52-2f6e-4c43-9d36-5f1f0b8a4e10")


def certificate_der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def mobileconfig(cert: x509.Certificate, display_name: str, description: str) -> bytes:
    der = certificate_der(cert)
    fingerprint = cert.fingerprint(cert.signature_hash_algorithm).hex()
    payload_uuid = str(uuid.uuid5(_NAMESPACE, "root-" + fingerprint)).upper()
    profile_uuid = str(uuid.uuid5(_NAMESPACE, "profile-" + fingerprint)).upper()
    profile = {
        "PayloadType": "Configuration",
        "PayloadVersion": 1,
        "PayloadIdentifier": f"shopfloor.local-authority.{fingerprint[:16]}",
        "PayloadUUID": profile_uuid,
        "PayloadDisplayName": display_name,
        "PayloadDescription": description,
        "PayloadOrganization": "Shopfloor",
        "PayloadContent": [{
            "PayloadType": "com.apple.security.root",
            "PayloadVersion": 1,
            "PayloadIdentifier": f"shopfloor.local-authority.{fingerprint[:16]}.root",
            "PayloadUUID": payload_uuid,
            "PayloadDisplayName": display_name,
            "PayloadCertificateFileName": "shopfloor-ca.crt",
            "PayloadContent": der,
        }],
    }
    return plistlib.dumps(profile, fmt=plistlib.FMT_XML)
