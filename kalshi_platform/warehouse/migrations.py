"""Versioned schema migrations, applied in order on startup (DESIGN.md §4).

A migration is a file ``NNNN_name.sql`` in ``warehouse/migrations/`` (shipped as package data). Each
one is applied once, inside a transaction, and recorded in ``meta.schema_version`` with the sha256 of
its text. Adding a file is all it takes to ship a schema change; editing one that was already applied
is refused with ``MigrationChecksumError`` instead of being silently re-run or ignored.

Migration files must not BEGIN/COMMIT themselves, nor use statements DuckDB refuses inside a
transaction (ATTACH, INSTALL/LOAD, VACUUM, CHECKPOINT).

Concurrent starts are safe: DuckDB admits one writer per file, so a second process only gets a
read-write connection (see ``connection.open_duckdb``, which waits for the lock) after the first has
finished and then finds every version recorded. Inside one process a lock serialises the runners, and
a transaction conflict (possible on multi-writer targets such as DuckLake) re-reads and retries.
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

import duckdb

from kalshi_platform.warehouse._sql import scalar, transaction
from kalshi_platform.warehouse.errors import MigrationChecksumError, MigrationError

MIGRATION_FILE = re.compile(r"^(?P<version>[0-9]{4,})_(?P<name>[A-Za-z0-9_-]+)\.sql$")

SCHEMA_VERSION_DDL = (
    "CREATE TABLE IF NOT EXISTS meta.schema_version ("
    "version INTEGER, name VARCHAR, checksum VARCHAR, applied_at TIMESTAMPTZ)"
)

# Conflicts only arise on multi-writer targets; a few re-reads are plenty.
_CONFLICT_RETRIES = 5
_RUN_LOCK = threading.Lock()


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    filename: str
    sql: str
    checksum: str


def default_migrations_dir() -> Traversable:
    return files("kalshi_platform.warehouse").joinpath("migrations")


def checksum(sql: str) -> str:
    # Line endings are normalised so a checkout with CRLF does not look like an edited migration.
    return hashlib.sha256(sql.replace("\r\n", "\n").encode("utf-8")).hexdigest()


def load_migrations(directory: Traversable | Path | str | None = None) -> list[Migration]:
    """Every ``NNNN_name.sql`` in the directory, by version. Other files are ignored; a ``.sql``
    file with another name, or two files with one version, is an error rather than skipped."""
    root: Traversable = default_migrations_dir() if directory is None else _as_traversable(directory)
    if not root.is_dir():
        raise MigrationError(f"migrations directory not found: {root}")
    found: dict[int, Migration] = {}
    for entry in root.iterdir():
        if not entry.is_file() or not entry.name.endswith(".sql"):
            continue
        match = MIGRATION_FILE.match(entry.name)
        if match is None:
            raise MigrationError(
                f"migration file {entry.name!r} in {root} is not named NNNN_name.sql (e.g. 0003_signals.sql)"
            )
        version = int(match["version"])
        if version in found:
            raise MigrationError(
                f"migrations {found[version].filename!r} and {entry.name!r} share version {version}"
            )
        sql = entry.read_text(encoding="utf-8")
        found[version] = Migration(version, match["name"], entry.name, sql, checksum(sql))
    return [found[v] for v in sorted(found)]


def applied_migrations(con: duckdb.DuckDBPyConnection) -> dict[int, tuple[str, str]]:
    """version -> (name, checksum) of what the database has recorded; empty for a fresh database."""
    exists = scalar(
        con,
        "SELECT count(*) FROM duckdb_tables() "
        "WHERE database_name = current_database() AND schema_name = 'meta' AND table_name = 'schema_version'",
    )
    if not exists:
        return {}
    rows = con.execute("SELECT version, name, checksum FROM meta.schema_version").fetchall()
    return {version: (name, digest) for version, name, digest in rows}


def migrate(
    con: duckdb.DuckDBPyConnection, directory: Traversable | Path | str | None = None
) -> list[Migration]:
    """Apply every migration not yet recorded, in version order; return those applied now."""
    migrations = load_migrations(directory)
    with _RUN_LOCK:
        for attempt in range(_CONFLICT_RETRIES):
            try:
                return _migrate_once(con, migrations)
            except duckdb.TransactionException:
                if attempt == _CONFLICT_RETRIES - 1:
                    raise
    raise AssertionError("unreachable")  # pragma: no cover


def _migrate_once(con: duckdb.DuckDBPyConnection, migrations: list[Migration]) -> list[Migration]:
    with transaction(con):
        con.execute("CREATE SCHEMA IF NOT EXISTS meta")
        con.execute(SCHEMA_VERSION_DDL)
    _verify(applied_migrations(con), migrations)
    applied_now: list[Migration] = []
    for migration in migrations:
        with transaction(con):
            # Re-read inside the transaction: another runner may have applied it meanwhile.
            recorded = applied_migrations(con)
            if migration.version in recorded:
                _verify(recorded, [migration])
                continue
            _apply(con, migration)
        applied_now.append(migration)
    return applied_now


def _apply(con: duckdb.DuckDBPyConnection, migration: Migration) -> None:
    try:
        statements = duckdb.extract_statements(migration.sql)
    except duckdb.Error as exc:
        raise MigrationError(f"migration {migration.filename} does not parse: {exc}") from exc
    for number, statement in enumerate(statements, start=1):
        try:
            con.execute(statement)
        except duckdb.Error as exc:
            raise MigrationError(
                f"migration {migration.filename} failed at statement {number} of {len(statements)}: {exc}"
            ) from exc
    con.execute(
        "INSERT INTO meta.schema_version (version, name, checksum, applied_at) VALUES (?, ?, ?, now())",
        [migration.version, migration.name, migration.checksum],
    )


def _verify(recorded: dict[int, tuple[str, str]], migrations: list[Migration]) -> None:
    for migration in migrations:
        if migration.version not in recorded:
            continue
        name, digest = recorded[migration.version]
        if digest != migration.checksum:
            raise MigrationChecksumError(
                f"migration {migration.filename} was changed after it was applied "
                f"(recorded as {migration.version:04d}_{name} with checksum {digest[:12]}..., "
                f"the file now has {migration.checksum[:12]}...). Applied migrations are never re-run: "
                f"restore the file and put the change in a new NNNN_name.sql."
            )


def _as_traversable(directory: Traversable | Path | str) -> Traversable:
    return Path(directory) if isinstance(directory, str) else directory
