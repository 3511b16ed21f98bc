"""The account store's resource: the encryption key, and signed Kalshi clients per stored user."""

from __future__ import annotations

import os
import threading
import uuid

import dagster as dg
from cryptography.fernet import MultiFernet

from kalshi_platform.clients.http import RejectLog, RetryPolicy
from kalshi_platform.clients.kalshi.auth import KalshiSigner
from kalshi_platform.clients.kalshi.client import KALSHI_BASE_URLS, KalshiClient
from kalshi_platform.core.credentials import (
    CredentialError,
    Secret,
    generate_encryption_key,
    generate_private_key_pem,
    load_cipher,
)
from kalshi_platform.defs.resources import KalshiApiResource
from kalshi_platform.warehouse import accounts as store

_process_key: list[str] = []
_process_key_lock = threading.Lock()


def secret_config(value: Secret | str | None, variable: str):
    """A secret for a resource field: ``dg.EnvVar`` when it came from the environment, so Dagster shows
    the variable's name (UI, run config) instead of the value; the value itself otherwise."""
    text = value.reveal() if isinstance(value, Secret) else value
    if text and os.environ.get(variable, "").strip() == text:
        return dg.EnvVar(variable)
    return text or None


def process_encryption_key() -> str:
    """A Fernet key that lives as long as this process: the sandbox's stand-in for the real one."""
    with _process_key_lock:
        if not _process_key:
            _process_key.append(generate_encryption_key())
        return _process_key[0]


class KalshiAccountsResource(dg.ConfigurableResource):
    """Users' Kalshi keys, encrypted with KALSHI_CREDENTIALS_ENCRYPTION_KEY."""

    encryption_key: str | None = None
    demo_user: str = "demo"

    def cipher(self, *, sandbox: bool) -> tuple[MultiFernet, bool]:
        """(cipher, per_process): without KALSHI_CREDENTIALS_ENCRYPTION_KEY the sandbox encrypts with a key
        of this process only, so its demo user is re-keyed by each run; elsewhere the key is required."""
        if self.encryption_key:
            return load_cipher(self.encryption_key), False
        if not sandbox:
            return load_cipher(None), False  # raises the clear "not set" error
        return load_cipher(process_encryption_key()), True


def ensure_sandbox_demo_user(con, cipher: MultiFernet, user: str) -> tuple[store.StoredAccount, str]:
    """The sandbox demo user with a key this process can decrypt: created, or re-keyed, when needed."""
    current = store.active_account(con, user)
    if current is not None:
        try:
            current.private_key_pem(cipher)
            return current, "kept"
        except CredentialError:
            if current.origin != "sandbox":
                raise
            # Encrypted by another process's key (no KALSHI_CREDENTIALS_ENCRYPTION_KEY): issue a fresh one.
            fresh = store.rotate_account(con, cipher, user=user, key_id=f"sandbox-{uuid.uuid4()}",
                                         private_key_pem=generate_private_key_pem())
            return fresh, "re-keyed"
    created = store.add_account(con, cipher, user=user, key_id=f"sandbox-{uuid.uuid4()}",
                                private_key_pem=generate_private_key_pem(), environment="sandbox", origin="sandbox",
                                note="sandbox demo user, created by the platform")
    return created, "created"


class AccountClientError(Exception):
    """A user's key cannot sign: why, naming the user and key id only."""


def signer_for(account: store.StoredAccount, cipher: MultiFernet) -> KalshiSigner:
    try:
        pem = account.private_key_pem(cipher)
    except CredentialError as exc:
        raise AccountClientError(str(exc)) from None
    return KalshiSigner(account.key_id, pem)


def account_client(
    account: store.StoredAccount,
    cipher: MultiFernet,
    kalshi: KalshiApiResource,
    reject_log: RejectLog | None = None,
    *,
    base_url: str | None = None,
) -> KalshiClient:
    """A Kalshi client signing with the user's key, on the exchange the key belongs to."""
    signer = signer_for(account, cipher)
    transport = None
    on_sandbox = kalshi.env == "sandbox"
    if account.environment == "sandbox" and not on_sandbox:
        raise AccountClientError(
            f"account {account.user_name!r} holds a key of the embedded exchange; it works only with KALSHI_ENV=sandbox"
        )
    if on_sandbox and not kalshi.base_url and base_url is None:
        from kalshi_platform.sandbox.transport import SANDBOX_KALSHI_BASE_URL, SandboxTransport

        exchange = kalshi.exchange()
        if account.origin == "sandbox":
            # The embedded exchange issued this key: it knows its public half in every process.
            exchange.register_key(signer.key_id, signer.public_key_pem())
        url, transport = SANDBOX_KALSHI_BASE_URL, SandboxTransport(exchange)
    elif base_url is not None:
        url = base_url
    elif on_sandbox:
        url = kalshi.base_url
    else:
        url = KALSHI_BASE_URLS.get(account.environment, KALSHI_BASE_URLS["demo"])
    return KalshiClient(
        url,
        transport=transport,
        signer=signer,
        tier=kalshi.rate_tier,
        retry=RetryPolicy(max_attempts=kalshi.retry_max_attempts, max_total_s=kalshi.retry_max_total_s),
        timeout_s=kalshi.timeout_s,
        reject_log=reject_log,
    )
