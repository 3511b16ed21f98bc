"""Kalshi request signing, the verifying side (DESIGN.md §6).

KALSHI-ACCESS-SIGNATURE = base64 RSA-PSS(SHA-256, MGF1-SHA-256, salt = 32) over
``timestamp_ms + METHOD + path`` with the path from root and without the query string.
"""

from __future__ import annotations

import base64
import binascii
import threading
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

# Kalshi rejects a timestamp this far from its own clock.
TIMESTAMP_WINDOW_MS = 60_000


class AuthError(Exception):
    def __init__(self, details: str) -> None:
        super().__init__(details)
        self.details = details


class KeyRing:
    """Registered public keys by API key id."""

    def __init__(self) -> None:
        self._keys: dict[str, rsa.RSAPublicKey] = {}
        self._lock = threading.Lock()

    def register(self, key_id: str, public_key_pem: bytes) -> None:
        key = serialization.load_pem_public_key(public_key_pem)
        if not isinstance(key, rsa.RSAPublicKey):
            raise ValueError("Kalshi API keys are RSA keys")
        with self._lock:
            self._keys[key_id] = key

    def __contains__(self, key_id: object) -> bool:
        return key_id in self._keys

    def verify(self, headers: dict[str, str], method: str, path: str, *, now_ms: int | None = None) -> str:
        """The key id of a correctly signed request; AuthError (with the reason) otherwise."""
        key_id = headers.get("kalshi-access-key")
        stamp = headers.get("kalshi-access-timestamp")
        signature = headers.get("kalshi-access-signature")
        if not key_id or not stamp or not signature:
            raise AuthError("missing KALSHI-ACCESS-KEY, KALSHI-ACCESS-TIMESTAMP or KALSHI-ACCESS-SIGNATURE header")
        key = self._keys.get(key_id)
        if key is None:
            raise AuthError("unknown API key")
        if not stamp.isdigit():
            raise AuthError("KALSHI-ACCESS-TIMESTAMP must be milliseconds since the epoch")
        # Real time, not the world clock: the signer stamps with its wall clock even in a frozen world.
        now_ms = int(time.time() * 1000) if now_ms is None else now_ms
        if abs(now_ms - int(stamp)) > TIMESTAMP_WINDOW_MS:
            raise AuthError("timestamp outside the allowed window")
        try:
            raw = base64.b64decode(signature, validate=True)
        except (binascii.Error, ValueError):
            raise AuthError("signature is not base64") from None
        message = f"{stamp}{method.upper()}{path.split('?', 1)[0]}".encode()
        try:
            key.verify(
                raw,
                message,
                padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH),
                hashes.SHA256(),
            )
        except InvalidSignature:
            raise AuthError("invalid signature") from None
        return key_id


def sign(private_key: rsa.RSAPrivateKey, timestamp_ms: int, method: str, path: str) -> str:
    """The signing recipe, for the sandbox's own tests and demo tools (clients have their own)."""
    message = f"{timestamp_ms}{method.upper()}{path.split('?', 1)[0]}".encode()
    sig = private_key.sign(
        message,
        padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH),
        hashes.SHA256(),
    )
    return base64.b64encode(sig).decode()
