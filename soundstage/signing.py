"""Ed25519 signing: webhook signatures (fal's scheme), the published JWKS, and our short-lived tokens.

Webhook message (fal-protocol.md, section 8):
``"{request_id}\\n{user_id}\\n{timestamp}\\n{sha256_hex(body)}"``,
signed with Ed25519, hex-encoded in ``X-Fal-Webhook-Signature``. Tokens are compact JWS (EdDSA).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from soundstage.errors import Unauthorized

__all__ = ["Signer", "webhook_message"]


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def webhook_message(request_id: str, user_id: str, timestamp: int, body: bytes) -> bytes:
    return f"{request_id}\n{user_id}\n{timestamp}\n{hashlib.sha256(body).hexdigest()}".encode()


def _load_or_create(path: Path) -> Ed25519PrivateKey:
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        assert isinstance(key, Ed25519PrivateKey)
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    try:
        os.link(tmp, path)  # first process wins; a racing one loads the winner's key
    except FileExistsError:
        tmp.unlink()
        return _load_or_create(path)
    tmp.unlink()
    return key


class Signer:
    def __init__(self, key_path: Path) -> None:
        self._key = _load_or_create(key_path)
        raw = self._key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.public_raw = raw
        self.kid = hashlib.sha256(raw).hexdigest()[:16]

    def jwks(self) -> dict[str, Any]:
        return {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": _b64url(self.public_raw), "kid": self.kid,
                          "use": "sig", "alg": "EdDSA"}]}

    def sign_webhook(self, request_id: str, user_id: str, body: bytes,
                     now: float | None = None) -> dict[str, str]:
        timestamp = int(time.time() if now is None else now)
        signature = self._key.sign(webhook_message(request_id, user_id, timestamp, body))
        return {"X-Fal-Webhook-Request-Id": request_id, "X-Fal-Webhook-User-Id": user_id,
                "X-Fal-Webhook-Timestamp": str(timestamp), "X-Fal-Webhook-Signature": signature.hex()}

    def token(self, claims: dict[str, Any], ttl_seconds: float) -> str:
        header = {"alg": "EdDSA", "typ": "JWT", "kid": self.kid}
        body = {**claims, "exp": int(time.time() + ttl_seconds)}
        signing_input = f"{_b64url(json.dumps(header).encode())}.{_b64url(json.dumps(body).encode())}"
        return f"{signing_input}.{_b64url(self._key.sign(signing_input.encode()))}"

    def verify_token(self, token: str) -> dict[str, Any]:
        try:
            head, body, sig = token.split(".")
            Ed25519PublicKey.from_public_bytes(self.public_raw).verify(_unb64url(sig),
                                                                       f"{head}.{body}".encode())
            claims: dict[str, Any] = json.loads(_unb64url(body))
        except (ValueError, InvalidSignature) as e:
            raise Unauthorized("Invalid token") from e
        if claims.get("exp", 0) < time.time():
            raise Unauthorized("Token expired")
        return claims
