"""Kalshi API keys at rest: Fernet encryption of private keys, and secrets that never print.

A user's RSA private key is stored only as a Fernet token (AES-128-CBC + HMAC-SHA256, from the
``cryptography`` package) made with the key in ``KALSHI_CREDENTIALS_ENCRYPTION_KEY``. That variable may
hold several comma-separated Fernet keys: the first encrypts, every one decrypts, so the encryption
key itself can be rotated (add the new key first, re-encrypt with ``kalshi-platform accounts rotate``,
then drop the old one).

Nothing here does I/O. Errors name what went wrong and which variable or user to look at, never key
material: a PEM, a Fernet key, a token or a bot token is never part of a message or a ``repr``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ENCRYPTION_KEY_VARIABLE = "KALSHI_CREDENTIALS_ENCRYPTION_KEY"
MASK = "***"


class CredentialError(ValueError):
    """A credential that cannot be used; the message never contains key material."""


class Secret:
    """A string that prints as ``***``: safe in a repr, an f-string, a log line or an exception."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError("Secret holds a str")
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __repr__(self) -> str:
        return f"Secret({MASK})"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return MASK


def mask(text: str, secrets: list[str] | tuple[str, ...]) -> str:
    """``text`` with every non-empty secret replaced by ``***``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    return text


# --------------------------------------------------------------------------------------------------
# The encryption key


def generate_encryption_key() -> str:
    """A fresh Fernet key (32 random bytes, url-safe base64): a value for KALSHI_CREDENTIALS_ENCRYPTION_KEY."""
    return Fernet.generate_key().decode("ascii")


def load_cipher(keys_text: str | Secret | None) -> MultiFernet:
    """The cipher of ``KALSHI_CREDENTIALS_ENCRYPTION_KEY`` (one key, or several comma-separated)."""
    text = keys_text.reveal() if isinstance(keys_text, Secret) else keys_text
    if not text or not text.strip():
        raise CredentialError(
            f"{ENCRYPTION_KEY_VARIABLE} is not set; stored Kalshi keys are encrypted with it. "
            "Create one with `kalshi-platform accounts keygen` and export it."
        )
    ciphers = []
    for position, part in enumerate(p.strip() for p in text.split(",")):
        if not part:
            continue
        try:
            raw = base64.urlsafe_b64decode(part.encode("ascii"))
        except (binascii.Error, ValueError, UnicodeEncodeError):
            raw = b""
        if len(raw) != 32:
            raise CredentialError(
                f"{ENCRYPTION_KEY_VARIABLE}: key #{position + 1} is not a Fernet key (32 bytes, url-safe "
                "base64, 44 characters); create one with `kalshi-platform accounts keygen`"
            )
        ciphers.append(Fernet(part.encode("ascii")))
    if not ciphers:
        raise CredentialError(f"{ENCRYPTION_KEY_VARIABLE} holds no key")
    return MultiFernet(ciphers)


# --------------------------------------------------------------------------------------------------
# Private keys


def load_rsa_private_key(pem: bytes | str, *, what: str = "the private key") -> rsa.RSAPrivateKey:
    """An unencrypted RSA private key in PEM form; a clear error (without the key) otherwise."""
    data = pem.encode() if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise CredentialError(
            f"{what} is not a readable PEM private key ({type(exc).__name__}); Kalshi keys are RSA keys in "
            "PKCS#8 or PKCS#1 PEM form, without a password"
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise CredentialError(f"{what} is a {type(key).__name__.lstrip('_')}, not an RSA private key")
    return key


def public_key_fingerprint(key: rsa.RSAPrivateKey | rsa.RSAPublicKey) -> str:
    """SHA-256 of the public key (DER), first 16 hex digits: tells keys apart without revealing them."""
    public = key.public_key() if isinstance(key, rsa.RSAPrivateKey) else key
    der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()[:16]


def public_key_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def generate_private_key_pem(bits: int = 2048) -> bytes:
    """A fresh RSA private key (PKCS#8 PEM), as the sandbox issues keys to its users."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@dataclass(frozen=True)
class SealedKey:
    """What the store keeps of a private key: the Fernet token and the public fingerprint."""

    token: str
    fingerprint: str

    def __repr__(self) -> str:
        return f"SealedKey(token={MASK}, fingerprint={self.fingerprint!r})"


def seal_private_key(cipher: MultiFernet, pem: bytes | str, *, what: str = "the private key") -> SealedKey:
    """Validate and encrypt a PEM private key."""
    key = load_rsa_private_key(pem, what=what)
    normalized = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return SealedKey(cipher.encrypt(normalized).decode("ascii"), public_key_fingerprint(key))


def open_private_key(cipher: MultiFernet, token: str | None, *, user: str) -> bytes:
    """The PEM behind a stored token; a clear error naming the user when it cannot be decrypted."""
    if not token:
        raise CredentialError(f"account {user!r} has no stored private key (it was removed)")
    try:
        return cipher.decrypt(token.encode("ascii"))
    except (InvalidToken, ValueError, UnicodeEncodeError):
        raise CredentialError(
            f"account {user!r}: the stored private key cannot be decrypted with {ENCRYPTION_KEY_VARIABLE} "
            "(a different key, or a damaged record); set the key it was stored with, or rotate the account's key"
        ) from None


def reencrypt(cipher: MultiFernet, token: str) -> str:
    """The same secret under the first (newest) key of the cipher."""
    return cipher.rotate(token.encode("ascii")).decode("ascii")
