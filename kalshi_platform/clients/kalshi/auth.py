"""Kalshi API-key request signing (DESIGN.md §6).

Each signed request carries KALSHI-ACCESS-KEY, KALSHI-ACCESS-TIMESTAMP (unix ms) and
KALSHI-ACCESS-SIGNATURE = base64(RSA-PSS(SHA-256, MGF1(SHA-256), salt = 32 bytes)) over
``f"{timestamp_ms}{METHOD}{path}"``, with ``path`` taken from the URL root (``/trade-api/v2/...``)
and without the query string.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

KEY_HEADER = "KALSHI-ACCESS-KEY"
TIMESTAMP_HEADER = "KALSHI-ACCESS-TIMESTAMP"
SIGNATURE_HEADER = "KALSHI-ACCESS-SIGNATURE"
AUTH_HEADERS = (KEY_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER)

# Salt length = SHA-256 digest length, as Kalshi documents (not PSS.MAX_LENGTH).
_PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=hashes.SHA256.digest_size)


class KalshiKeyError(ValueError):
    """A private key that cannot be used; the message names the file, never the key material."""


def signing_message(timestamp_ms: int | str, method: str, path: str) -> bytes:
    """The exact bytes Kalshi signs. A query string, if passed by mistake, is dropped."""
    return f"{timestamp_ms}{method.upper()}{path.split('?', 1)[0]}".encode()


def _load_private_key(data: bytes, password: bytes | None, where: str) -> rsa.RSAPrivateKey:
    try:
        key = serialization.load_pem_private_key(data, password=password)
    except (ValueError, TypeError) as exc:
        # Not chained: the loader's error adds nothing safe beyond its class name.
        raise KalshiKeyError(
            f"{where} is not a readable PEM private key ({type(exc).__name__}); "
            "expected an unencrypted RSA key in PKCS#8 or PKCS#1 PEM form, or pass its password"
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise KalshiKeyError(f"{where} holds a {type(key).__name__.lstrip('_')}, not an RSA private key")
    return key


class KalshiSigner:
    """Signs Kalshi requests with one API key. ``clock`` returns unix seconds (injectable for tests)."""

    def __init__(
        self,
        key_id: str,
        private_key: rsa.RSAPrivateKey | bytes | str,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not key_id or not isinstance(key_id, str):
            raise KalshiKeyError("key_id must be a non-empty string (the Kalshi API key id)")
        if isinstance(private_key, str):
            private_key = private_key.encode()
        if isinstance(private_key, bytes):
            private_key = _load_private_key(private_key, None, "the private key given")
        if not isinstance(private_key, rsa.RSAPrivateKey):
            raise KalshiKeyError(f"private_key must be an RSA private key, got {type(private_key).__name__}")
        self.key_id = key_id
        self._key = private_key
        self._clock = clock

    @classmethod
    def from_pem_file(
        cls,
        key_id: str,
        path: str | Path,
        *,
        password: bytes | None = None,
        clock: Callable[[], float] = time.time,
    ) -> KalshiSigner:
        path = Path(path)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise KalshiKeyError(f"Kalshi private key file {str(path)!r} does not exist") from None
        except OSError as exc:
            raise KalshiKeyError(f"Kalshi private key file {str(path)!r} cannot be read: {exc.strerror}") from None
        return cls(key_id, _load_private_key(data, password, f"Kalshi private key file {str(path)!r}"), clock=clock)

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return self._key.public_key()

    def public_key_pem(self) -> bytes:
        """The public half, to register with an exchange (the sandbox) or to verify in tests."""
        return self.public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def sign(self, timestamp_ms: int | str, method: str, path: str) -> str:
        signature = self._key.sign(signing_message(timestamp_ms, method, path), _PSS, hashes.SHA256())
        return base64.b64encode(signature).decode("ascii")

    def headers(self, method: str, path: str, timestamp_ms: int | None = None) -> dict[str, str]:
        """The three auth headers for one request; ``path`` from the URL root, query ignored."""
        if not path.startswith("/"):
            raise ValueError(f"path must start at the URL root ('/trade-api/v2/...'), got {path!r}")
        if timestamp_ms is None:
            timestamp_ms = int(self._clock() * 1000)
        return {
            KEY_HEADER: self.key_id,
            TIMESTAMP_HEADER: str(timestamp_ms),
            SIGNATURE_HEADER: self.sign(timestamp_ms, method, path),
        }

    def __repr__(self) -> str:
        # The key id is an identifier, not a secret, but only its head is needed to tell keys apart.
        return f"KalshiSigner(key_id={self.key_id[:8]!r}..., key=<RSA-{self._key.key_size} private key>)"

    __str__ = __repr__


def verify_signature(
    public_key: rsa.RSAPublicKey | bytes | str,
    signature_b64: str,
    timestamp_ms: int | str,
    method: str,
    path: str,
) -> bool:
    """True when ``signature_b64`` is a valid Kalshi signature of (timestamp, method, path)."""
    if isinstance(public_key, str):
        public_key = public_key.encode()
    if isinstance(public_key, bytes):
        public_key = serialization.load_pem_public_key(public_key)
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise TypeError("public_key must be an RSA public key")
    try:
        signature = base64.b64decode(signature_b64, validate=True)
        public_key.verify(signature, signing_message(timestamp_ms, method, path), _PSS, hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def generate_key_pair(bits: int = 2048) -> tuple[bytes, bytes]:
    """A fresh RSA key pair as (private PKCS#8 PEM, public SubjectPublicKeyInfo PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM,
        serialization.PublicFormat.SubjectPublicKeyInfo,
    )
    return private_pem, public_pem
