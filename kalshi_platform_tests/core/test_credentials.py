"""Credentials: Fernet round trip, encryption-key rotation, and key material never printed."""

from __future__ import annotations

import logging

import pytest
from cryptography.hazmat.primitives import serialization

from kalshi_platform.core import credentials as cr

KEY = cr.generate_encryption_key()
PEM = cr.generate_private_key_pem()


def _body(pem: bytes) -> str:
    """A line from the middle of the PEM: a piece of the key itself."""
    return pem.decode().splitlines()[5]


def test_round_trip_and_fingerprint():
    cipher = cr.load_cipher(KEY)
    sealed = cr.seal_private_key(cipher, PEM)
    assert _body(PEM) not in sealed.token and "PRIVATE KEY" not in sealed.token
    opened = cr.open_private_key(cipher, sealed.token, user="alice")
    key = cr.load_rsa_private_key(opened)
    original = cr.load_rsa_private_key(PEM)
    assert key.private_numbers() == original.private_numbers()
    assert sealed.fingerprint == cr.public_key_fingerprint(original) and len(sealed.fingerprint) == 16
    assert cr.public_key_pem(key).startswith(b"-----BEGIN PUBLIC KEY-----")


def test_pkcs1_keys_are_accepted_and_stored_as_pkcs8():
    pkcs1 = cr.load_rsa_private_key(PEM).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption())
    cipher = cr.load_cipher(KEY)
    opened = cr.open_private_key(cipher, cr.seal_private_key(cipher, pkcs1).token, user="bob")
    assert opened.startswith(b"-----BEGIN PRIVATE KEY-----")


def test_wrong_key_or_damaged_token_is_a_clear_error_naming_the_user():
    sealed = cr.seal_private_key(cr.load_cipher(KEY), PEM)
    other = cr.load_cipher(cr.generate_encryption_key())
    with pytest.raises(cr.CredentialError, match="account 'alice'.*KALSHI_CREDENTIALS_ENCRYPTION_KEY") as info:
        cr.open_private_key(other, sealed.token, user="alice")
    assert info.value.__cause__ is None and info.value.__suppress_context__
    with pytest.raises(cr.CredentialError, match="cannot be decrypted"):
        cr.open_private_key(cr.load_cipher(KEY), sealed.token[:-4] + "AAAA", user="alice")
    with pytest.raises(cr.CredentialError, match="removed"):
        cr.open_private_key(cr.load_cipher(KEY), None, user="alice")


@pytest.mark.parametrize("bad", [None, "", "  ", "not-a-key", "c2hvcnQ=", KEY[:-2]])
def test_bad_encryption_keys_name_the_variable_and_never_echo_the_value(bad):
    with pytest.raises(cr.CredentialError, match="KALSHI_CREDENTIALS_ENCRYPTION_KEY") as info:
        cr.load_cipher(bad)
    if bad and bad.strip():
        assert bad not in str(info.value)


def test_encryption_key_rotation_with_several_keys():
    old, new = KEY, cr.generate_encryption_key()
    token = cr.seal_private_key(cr.load_cipher(old), PEM).token
    both = cr.load_cipher(f"{new},{old}")
    assert cr.open_private_key(both, token, user="u")  # the old key still decrypts
    rotated = cr.reencrypt(both, token)
    assert cr.open_private_key(cr.load_cipher(new), rotated, user="u") == cr.open_private_key(both, token, user="u")
    with pytest.raises(cr.CredentialError):
        cr.open_private_key(cr.load_cipher(old), rotated, user="u")


def test_a_bad_pem_is_refused_without_echoing_it():
    bad = b"-----BEGIN PRIVATE KEY-----\nTWFuIGlzIGRpc3Rpbmd1aXNoZWQ=\n-----END PRIVATE KEY-----\n"
    with pytest.raises(cr.CredentialError) as info:
        cr.seal_private_key(cr.load_cipher(KEY), bad, what="the key of alice")
    assert "TWFuIGlz" not in str(info.value) and "the key of alice" in str(info.value)


def test_secrets_never_print_in_reprs_logs_or_formatting(caplog, capsys):
    caplog.set_level(logging.DEBUG)
    secret = cr.Secret(KEY)
    sealed = cr.seal_private_key(cr.load_cipher(KEY), PEM)
    log = logging.getLogger("test.credentials")
    log.info("key %s sealed %r", secret, sealed)
    log.info(f"formatted {secret} {secret!r} {secret:>50}")
    print(secret, repr(secret), sealed, [secret])
    captured = caplog.text + capsys.readouterr().out
    assert KEY not in captured and sealed.token not in captured and _body(PEM) not in captured
    assert "***" in captured
    assert secret.reveal() == KEY and bool(secret) and secret == cr.Secret(KEY)
    assert cr.mask(f"token {KEY} and {KEY}", [KEY, ""]) == "token *** and ***"
