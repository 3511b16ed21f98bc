"""The encrypted store of users' Kalshi API keys (meta.kalshi_accounts): add, list, rotate, remove.

Private keys arrive as PEM, are validated and Fernet-encrypted (``core.credentials``) before any
write, and leave the store only decrypted in memory for signing. A user has at most one active key;
a rotation revokes it and adds the new one, a removal revokes every key of the user and erases the
ciphertext (the rows stay, so the history of keys is kept). No function here prints or returns key
material in text: ``StoredAccount``'s repr masks the token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import UTC, datetime

import duckdb
import polars as pl

from kalshi_platform.core.credentials import (
    MASK,
    CredentialError,
    SealedKey,
    open_private_key,
    reencrypt,
    seal_private_key,
)
from kalshi_platform.warehouse import writes
from kalshi_platform.warehouse._sql import transaction

TABLE = "meta.kalshi_accounts"
KEY = ["user_name", "key_id"]
ENVIRONMENTS = ("sandbox", "demo", "prod")
ORIGINS = ("sandbox", "user")
_USER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")

SCHEMA: dict[str, pl.DataType] = {
    "user_name": pl.String(),
    "key_id": pl.String(),
    "environment": pl.String(),
    "origin": pl.String(),
    "encrypted_private_key": pl.String(),
    "key_fingerprint": pl.String(),
    "created_at": pl.Datetime("us", "UTC"),
    "rotated_at": pl.Datetime("us", "UTC"),
    "revoked_at": pl.Datetime("us", "UTC"),
    "revoked_reason": pl.String(),
    "note": pl.String(),
}


class AccountError(ValueError):
    """An account operation that cannot be done; the message names the user, never key material."""


@dataclass(frozen=True)
class StoredAccount:
    user_name: str
    key_id: str
    environment: str
    origin: str
    encrypted_private_key: str | None
    key_fingerprint: str | None
    created_at: datetime
    rotated_at: datetime | None = None
    revoked_at: datetime | None = None
    revoked_reason: str | None = None
    note: str | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None and bool(self.encrypted_private_key)

    def __repr__(self) -> str:
        return (
            f"StoredAccount(user_name={self.user_name!r}, key_id={self.key_id!r}, environment={self.environment!r}, "
            f"origin={self.origin!r}, encrypted_private_key={MASK if self.encrypted_private_key else None}, "
            f"key_fingerprint={self.key_fingerprint!r}, active={self.active})"
        )

    def private_key_pem(self, cipher) -> bytes:
        """Decrypt the key (in memory only); a clear error naming the user when it cannot be."""
        if self.revoked_at is not None:
            raise CredentialError(
                f"account {self.user_name!r}: key {self.key_id!r} was revoked on {self.revoked_at:%Y-%m-%d %H:%M} UTC "
                f"({self.revoked_reason or 'revoked'}); add or rotate a key with `kalshi-platform accounts rotate`"
            )
        return open_private_key(cipher, self.encrypted_private_key, user=self.user_name)


def check_user_name(user: str) -> str:
    if not isinstance(user, str) or not _USER_NAME.match(user):
        raise AccountError(
            f"user name {user!r} is not valid: 1-64 characters, letters, digits and _ . @ - (starting with a letter or digit)"
        )
    return user


def _frame(accounts: list[StoredAccount]) -> pl.DataFrame:
    return pl.DataFrame([{f.name: getattr(a, f.name) for f in fields(StoredAccount)} for a in accounts], schema=SCHEMA)


def _rows(con: duckdb.DuckDBPyConnection, where: str = "TRUE", params: list | None = None) -> list[StoredAccount]:
    columns = ", ".join(SCHEMA)
    rows = con.execute(
        f"SELECT {columns} FROM {TABLE} WHERE {where} ORDER BY user_name, created_at, key_id", params or []
    ).fetchall()
    return [StoredAccount(*row) for row in rows]


def list_accounts(con: duckdb.DuckDBPyConnection, *, include_revoked: bool = True) -> list[StoredAccount]:
    accounts = _rows(con)
    return accounts if include_revoked else [a for a in accounts if a.active]


def active_account(con: duckdb.DuckDBPyConnection, user: str) -> StoredAccount | None:
    found = [a for a in _rows(con, "user_name = ?", [user]) if a.active]
    return found[-1] if found else None


def latest_account(con: duckdb.DuckDBPyConnection, user: str) -> StoredAccount | None:
    """The user's newest key row, active or not (to explain why a user cannot sign)."""
    found = _rows(con, "user_name = ?", [user])
    return found[-1] if found else None


def active_users(con: duckdb.DuckDBPyConnection) -> list[str]:
    return sorted({a.user_name for a in _rows(con) if a.active})


def known_users(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every user with a row, active or revoked (removed users keep their rows until purged)."""
    return sorted({a.user_name for a in _rows(con)})


def add_account(
    con: duckdb.DuckDBPyConnection,
    cipher,
    *,
    user: str,
    key_id: str,
    private_key_pem: bytes,
    environment: str,
    origin: str = "user",
    note: str | None = None,
    now: datetime | None = None,
) -> StoredAccount:
    """Store a new user's key, encrypted. A user that already has an active key must rotate instead."""
    check_user_name(user)
    _check(key_id, environment, origin)
    if active_account(con, user) is not None:
        raise AccountError(f"user {user!r} already has an active key; use `kalshi-platform accounts rotate {user}`")
    sealed = seal_private_key(cipher, private_key_pem, what=f"the private key for {user!r}")
    return _insert(con, user, key_id, sealed, environment, origin, note, now or datetime.now(UTC), rotated=False)


def rotate_account(
    con: duckdb.DuckDBPyConnection,
    cipher,
    *,
    user: str,
    key_id: str,
    private_key_pem: bytes,
    environment: str | None = None,
    origin: str | None = None,
    now: datetime | None = None,
) -> StoredAccount:
    """Replace a user's active key: the old one is revoked (reason 'rotated'), the new one stored."""
    now = now or datetime.now(UTC)
    current = active_account(con, user)
    if current is None:
        raise AccountError(f"user {user!r} has no active key to rotate; use `kalshi-platform accounts add {user}`")
    environment = environment or current.environment
    origin = origin or current.origin
    _check(key_id, environment, origin)
    if key_id == current.key_id:
        raise AccountError(f"user {user!r}: the new key id must differ from the current one ({key_id!r})")
    sealed = seal_private_key(cipher, private_key_pem, what=f"the new private key for {user!r}")
    with transaction(con):
        _revoke(con, current, now, "rotated", erase=False)
        return _insert(con, user, key_id, sealed, environment, origin, current.note, now, rotated=True)


def remove_account(con: duckdb.DuckDBPyConnection, user: str, *, now: datetime | None = None) -> int:
    """Revoke every key of the user and erase the encrypted keys; returns how many keys were active."""
    now = now or datetime.now(UTC)
    rows = _rows(con, "user_name = ?", [user])
    if not rows:
        raise AccountError(f"no account named {user!r}")
    active = [a for a in rows if a.revoked_at is None]
    with transaction(con):
        for account in rows:
            if account.revoked_at is None or account.encrypted_private_key:
                _revoke(con, account, account.revoked_at or now, account.revoked_reason or "removed", erase=True)
    return len(active)


def reencrypt_all(con: duckdb.DuckDBPyConnection, cipher) -> int:
    """Re-encrypt every stored key under the cipher's first key (after adding a new encryption key)."""
    rows = [a for a in _rows(con) if a.encrypted_private_key]
    updated = [
        StoredAccount(**{**{f.name: getattr(a, f.name) for f in fields(StoredAccount)},
                         "encrypted_private_key": reencrypt(cipher, a.encrypted_private_key)})
        for a in rows
    ]
    if updated:
        writes.upsert(con, TABLE, _frame(updated), KEY)
    return len(updated)


def _check(key_id: str, environment: str, origin: str) -> None:
    if not key_id or not isinstance(key_id, str) or len(key_id) > 200:
        raise AccountError("the key id must be a non-empty string (the Kalshi API key id)")
    if environment not in ENVIRONMENTS:
        raise AccountError(f"environment {environment!r} is not one of {', '.join(ENVIRONMENTS)}")
    if origin not in ORIGINS:
        raise AccountError(f"origin {origin!r} is not one of {', '.join(ORIGINS)}")


def _insert(
    con, user: str, key_id: str, sealed: SealedKey, environment: str, origin: str, note: str | None,
    now: datetime, *, rotated: bool,
) -> StoredAccount:
    account = StoredAccount(
        user_name=user, key_id=key_id, environment=environment, origin=origin,
        encrypted_private_key=sealed.token, key_fingerprint=sealed.fingerprint, created_at=now,
        rotated_at=now if rotated else None, note=note,
    )
    writes.upsert(con, TABLE, _frame([account]), KEY)
    return account


def _revoke(con, account: StoredAccount, when: datetime, reason: str, *, erase: bool) -> None:
    values = {f.name: getattr(account, f.name) for f in fields(StoredAccount)}
    values.update(revoked_at=when, revoked_reason=reason)
    if erase:
        values["encrypted_private_key"] = None
    writes.upsert(con, TABLE, _frame([StoredAccount(**values)]), KEY)
