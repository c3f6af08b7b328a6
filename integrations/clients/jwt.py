"""RS256 JSON Web Tokens for service-account grants, signed with `cryptography` (RFC 7515/7519).

Hand-rolled because it is ten lines over `cryptography`'s RSA signer and only
ever *creates* tokens (no parsing or verification, where a JWT library earns its keep).
"""

from __future__ import annotations

import base64
import json
from functools import lru_cache

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from integrations.http import ConfigInvalid


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _segment(payload: dict) -> str:
    return _b64url(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())


def rs256_jwt(claims: dict, private_key_pem: str, key_id: str | None = None) -> str:
    """`header.claims.signature`, signed RS256. Raises ConfigInvalid for an unreadable key."""
    header = {"alg": "RS256", "typ": "JWT"} | ({"kid": key_id} if key_id else {})
    signing_input = f"{_segment(header)}.{_segment(claims)}"
    try:
        key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    except (ValueError, TypeError):
        raise ConfigInvalid("the service account private key is unreadable") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ConfigInvalid("the service account private key is not an RSA key")
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{_b64url(signature)}"


@lru_cache(maxsize=1)
def sandbox_private_key_pem() -> str:
    """A throwaway RSA key for the sandbox's service account, made once per process."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
