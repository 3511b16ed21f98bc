"""`kalshi-platform accounts add | list | rotate | remove`: keys stored encrypted and never printed."""

from __future__ import annotations

import json
import logging

import duckdb
import pytest

from kalshi_platform import cli
from kalshi_platform.core.credentials import generate_encryption_key, generate_private_key_pem, load_cipher
from kalshi_platform.warehouse import Warehouse
from kalshi_platform.warehouse import accounts as store


@pytest.fixture
def env(tmp_path, monkeypatch):
    key = generate_encryption_key()
    monkeypatch.setenv("KALSHI_CREDENTIALS_ENCRYPTION_KEY", key)
    monkeypatch.setenv("KALSHI_DUCKDB_PATH", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("KALSHI_SNAPSHOT_PATH", str(tmp_path / "s.duckdb"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    pem = tmp_path / "alice.pem"
    pem.write_bytes(generate_private_key_pem())
    return {"key": key, "pem": pem, "db": tmp_path / "w.duckdb", "tmp": tmp_path}


def _all_text(db) -> str:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return str(con.execute("SELECT * FROM meta.kalshi_accounts").fetchall())
    finally:
        con.close()


def _key_lines(pem_bytes: bytes) -> list[str]:
    return [line for line in pem_bytes.decode().splitlines() if line and not line.startswith("-----")]


def test_add_list_rotate_remove_and_nothing_secret_is_ever_printed_or_stored_plain(env, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    pem_bytes = env["pem"].read_bytes()
    assert cli.main(["accounts", "add", "alice", "--key-id", "key-alice-1", "--private-key-file", str(env["pem"]),
                     "--environment", "demo", "--note", "my demo key"]) == 0
    out = capsys.readouterr().out
    assert "added 'alice': key key-alice-1 (demo, fingerprint" in out
    assert cli.main(["accounts", "add", "bob", "--sandbox"]) == 0
    assert cli.main(["accounts", "list", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out.split("\n", 1)[1])
    assert {(a["user"], a["environment"], a["origin"], a["status"]) for a in listed} == {
        ("alice", "demo", "user", "active"), ("bob", "sandbox", "sandbox", "active")}
    # The stored key decrypts to exactly the file's key; nothing of it is stored in plain text.
    with Warehouse(str(env["db"]), str(env["tmp"] / "s.duckdb")).connect(read_only=True) as con:
        alice = store.active_account(con, "alice")
    assert alice.private_key_pem(load_cipher(env["key"])).strip() == pem_bytes.strip()
    new_pem = env["tmp"] / "alice2.pem"
    new_pem.write_bytes(generate_private_key_pem())
    assert cli.main(["accounts", "rotate", "alice", "--key-id", "key-alice-2", "--private-key-file", str(new_pem)]) == 0
    assert cli.main(["accounts", "list", "--all"]) == 0
    table = capsys.readouterr().out
    assert "key-alice-1" in table and "revoked (rotated)" in table and "key-alice-2" in table
    assert cli.main(["accounts", "remove", "bob"]) == 0
    assert "removed 'bob': 1 active key(s) revoked" in capsys.readouterr().out
    assert cli.main(["accounts", "list"]) == 0
    assert "bob" not in capsys.readouterr().out
    stored = _all_text(env["db"])
    printed = capsys.readouterr()
    everything = stored + printed.out + printed.err + caplog.text
    for line in _key_lines(pem_bytes) + _key_lines(new_pem.read_bytes()):
        assert line not in everything
    assert env["key"] not in everything and "PRIVATE KEY" not in everything


def test_errors_are_clear_and_exit_2(env, capsys, monkeypatch):
    assert cli.main(["accounts", "add", "alice", "--key-id", "k", "--private-key-file", str(env["pem"])]) == 0
    capsys.readouterr()
    assert cli.main(["accounts", "add", "alice", "--sandbox"]) == 2
    assert "already has an active key" in capsys.readouterr().err
    assert cli.main(["accounts", "rotate", "nobody", "--sandbox"]) == 2
    assert "no active key to rotate" in capsys.readouterr().err
    assert cli.main(["accounts", "remove", "nobody"]) == 2
    assert "no account named 'nobody'" in capsys.readouterr().err
    bad = env["tmp"] / "bad.pem"
    bad.write_text("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n")
    assert cli.main(["accounts", "add", "carol", "--key-id", "k", "--private-key-file", str(bad)]) == 2
    assert "not a readable PEM private key" in capsys.readouterr().err
    assert cli.main(["accounts", "add", "bad name!", "--sandbox"]) == 2
    assert "is not valid" in capsys.readouterr().err
    monkeypatch.delenv("KALSHI_CREDENTIALS_ENCRYPTION_KEY")
    assert cli.main(["accounts", "add", "dave", "--sandbox"]) == 2
    assert "KALSHI_CREDENTIALS_ENCRYPTION_KEY is not set" in capsys.readouterr().err
    monkeypatch.setenv("KALSHI_CREDENTIALS_ENCRYPTION_KEY", generate_encryption_key())
    with Warehouse(str(env["db"]), str(env["tmp"] / "s.duckdb")).connect(read_only=True) as con:
        alice = store.active_account(con, "alice")
    with pytest.raises(Exception, match="cannot be decrypted"):
        alice.private_key_pem(load_cipher(generate_encryption_key()))


def test_keygen_and_reencrypt_rotate_the_encryption_key(env, capsys, monkeypatch):
    assert cli.main(["accounts", "add", "alice", "--key-id", "k", "--private-key-file", str(env["pem"])]) == 0
    assert cli.main(["accounts", "keygen"]) == 0
    new_key = capsys.readouterr().out.strip().splitlines()[-1]
    assert load_cipher(new_key)
    monkeypatch.setenv("KALSHI_CREDENTIALS_ENCRYPTION_KEY", f"{new_key},{env['key']}")
    assert cli.main(["accounts", "reencrypt"]) == 0
    assert "re-encrypted 1 stored key(s)" in capsys.readouterr().out
    with Warehouse(str(env["db"]), str(env["tmp"] / "s.duckdb")).connect(read_only=True) as con:
        alice = store.active_account(con, "alice")
    assert alice.private_key_pem(load_cipher(new_key)).strip() == env["pem"].read_bytes().strip()


def test_add_registers_the_users_portfolio_partition(env):
    import dagster as dg

    assert cli.main(["accounts", "add", "erin", "--sandbox"]) == 0
    with dg.DagsterInstance.get() as instance:
        assert "erin" in instance.get_dynamic_partitions("kalshi_accounts")
    assert cli.main(["accounts", "remove", "erin"]) == 0
    with dg.DagsterInstance.get() as instance:
        assert "erin" not in instance.get_dynamic_partitions("kalshi_accounts")
