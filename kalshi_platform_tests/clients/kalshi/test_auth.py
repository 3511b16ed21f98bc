"""Kalshi request signing: RSA-PSS / SHA-256 / salt 32 over timestamp + METHOD + path (DESIGN.md §6)."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding

from kalshi_platform.clients.kalshi.auth import (
    KEY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    KalshiKeyError,
    KalshiSigner,
    generate_key_pair,
    signing_message,
    verify_signature,
)

PATH = "/trade-api/v2/portfolio/balance"
TS = 1_767_225_600_123


@pytest.fixture
def signer(key_pair) -> KalshiSigner:
    return KalshiSigner("key-id-0123456789", key_pair[0])


def test_headers_carry_key_ms_timestamp_and_a_verifiable_signature(signer, key_pair):
    headers = signer.headers("GET", PATH, timestamp_ms=TS)
    assert headers[KEY_HEADER] == "key-id-0123456789"
    assert headers[TIMESTAMP_HEADER] == str(TS)
    assert verify_signature(key_pair[1], headers[SIGNATURE_HEADER], TS, "GET", PATH)


def test_signature_is_rsa_pss_sha256_with_a_32_byte_salt(signer, key_pair):
    """Checked with cryptography directly, not through our own verifier."""
    signature = base64.b64decode(signer.headers("POST", "/trade-api/v2/portfolio/orders", TS)[SIGNATURE_HEADER])
    public_key = serialization.load_pem_public_key(key_pair[1])
    message = f"{TS}POST/trade-api/v2/portfolio/orders".encode()
    public_key.verify(
        signature, message, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256()
    )
    assert len(signature) == 256  # RSA-2048


@pytest.mark.parametrize(
    ("timestamp", "method", "path"),
    [
        (TS + 1, "GET", PATH),  # timestamp changed
        (TS, "POST", PATH),  # method changed
        (TS, "GET", "/trade-api/v2/portfolio/positions"),  # path changed
        (TS, "GET", "/portfolio/balance"),  # path not from the root
    ],
)
def test_signature_fails_when_anything_signed_changes(signer, key_pair, timestamp, method, path):
    signature = signer.headers("GET", PATH, timestamp_ms=TS)[SIGNATURE_HEADER]
    assert not verify_signature(key_pair[1], signature, timestamp, method, path)


def test_signature_fails_with_another_key(signer):
    _, other_public = generate_key_pair()
    signature = signer.headers("GET", PATH, timestamp_ms=TS)[SIGNATURE_HEADER]
    assert not verify_signature(other_public, signature, TS, "GET", PATH)
    assert not verify_signature(other_public, "not base64!!", TS, "GET", PATH)


def test_query_string_is_not_signed(signer, key_pair):
    signature = signer.headers("GET", PATH + "?subaccount=0", timestamp_ms=TS)[SIGNATURE_HEADER]
    assert verify_signature(key_pair[1], signature, TS, "GET", PATH)
    assert signing_message(TS, "get", PATH + "?a=1") == f"{TS}GET{PATH}".encode()


def test_method_is_upper_cased(signer, key_pair):
    signature = signer.headers("delete", PATH, timestamp_ms=TS)[SIGNATURE_HEADER]
    assert verify_signature(key_pair[1], signature, TS, "DELETE", PATH)


def test_timestamp_comes_from_the_clock_in_milliseconds(key_pair):
    signer = KalshiSigner("k", key_pair[0], clock=lambda: 1_767_225_600.5)
    assert signer.headers("GET", PATH)[TIMESTAMP_HEADER] == "1767225600500"


def test_path_must_start_at_the_root(signer):
    with pytest.raises(ValueError, match="URL root"):
        signer.headers("GET", "portfolio/balance")


def test_signer_accepts_pem_text_bytes_or_a_key_object(key_pair):
    private = serialization.load_pem_private_key(key_pair[0], password=None)
    for key in (key_pair[0], key_pair[0].decode(), private):
        signer = KalshiSigner("k", key)
        assert verify_signature(
            signer.public_key, signer.headers("GET", PATH, TS)[SIGNATURE_HEADER], TS, "GET", PATH
        )
    with pytest.raises(KalshiKeyError):
        KalshiSigner("", key_pair[0])
    with pytest.raises(KalshiKeyError):
        KalshiSigner("k", 12345)  # type: ignore[arg-type]


def test_repr_does_not_reveal_the_key(signer, key_pair):
    text = repr(signer) + str(signer)
    private_numbers = signer._key.private_numbers()
    assert "PRIVATE" not in text and "BEGIN" not in text
    for line in key_pair[0].decode().splitlines()[1:-1]:
        assert line not in text
    assert str(private_numbers.d)[:20] not in text
    assert "key-id-0" in text and "RSA-2048" in text


def test_from_pem_file_loads_a_key(tmp_path, key_pair):
    path = tmp_path / "kalshi.pem"
    path.write_bytes(key_pair[0])
    signer = KalshiSigner.from_pem_file("k", path)
    assert verify_signature(key_pair[1], signer.headers("GET", PATH, TS)[SIGNATURE_HEADER], TS, "GET", PATH)


def test_from_pem_file_loads_an_encrypted_key_with_its_password(tmp_path, key_pair):
    private = serialization.load_pem_private_key(key_pair[0], password=None)
    encrypted = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.BestAvailableEncryption(b"pw"),
    )
    path = tmp_path / "enc.pem"
    path.write_bytes(encrypted)
    assert KalshiSigner.from_pem_file("k", path, password=b"pw").public_key.public_numbers() == (
        private.public_key().public_numbers()
    )
    with pytest.raises(KalshiKeyError, match="enc.pem"):
        KalshiSigner.from_pem_file("k", path)  # password missing


def test_from_pem_file_missing(tmp_path):
    with pytest.raises(KalshiKeyError, match="does not exist") as info:
        KalshiSigner.from_pem_file("k", tmp_path / "nope.pem")
    assert "nope.pem" in str(info.value)


def test_from_pem_file_unreadable(tmp_path):
    with pytest.raises(KalshiKeyError, match="cannot be read") as info:
        KalshiSigner.from_pem_file("k", tmp_path)  # a directory
    assert str(tmp_path) in str(info.value)


def test_from_pem_file_not_a_key_and_its_content_is_not_echoed(tmp_path):
    path = tmp_path / "garbage.pem"
    path.write_text("-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWlzaC1ieXRlcw==\n-----END PRIVATE KEY-----\n")
    with pytest.raises(KalshiKeyError) as info:
        KalshiSigner.from_pem_file("k", path)
    assert "garbage.pem" in str(info.value) and "not a readable PEM private key" in str(info.value)
    assert "c2VjcmV0" not in str(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_from_pem_file_not_an_rsa_key(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path = tmp_path / "ec.pem"
    path.write_bytes(pem)
    with pytest.raises(KalshiKeyError, match="not an RSA private key") as info:
        KalshiSigner.from_pem_file("k", path)
    assert "ec.pem" in str(info.value)
    for line in pem.decode().splitlines()[1:-1]:
        assert line not in str(info.value)


def test_public_key_pem_is_the_matching_public_half(signer, key_pair):
    assert signer.public_key_pem() == key_pair[1]


def test_generate_key_pair_gives_matching_pems():
    private_pem, public_pem = generate_key_pair()
    assert private_pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert public_pem.startswith(b"-----BEGIN PUBLIC KEY-----")
    signer = KalshiSigner("k", private_pem)
    assert verify_signature(public_pem.decode(), signer.sign(TS, "GET", PATH), TS, "GET", PATH)
    with pytest.raises(TypeError):
        verify_signature(ec.generate_private_key(ec.SECP256R1()).public_key(), "x", TS, "GET", PATH)
