"""Opening the warehouse: lock-aware connects, migrations on first write, no Dagster needed.

``Warehouse`` is what the CLI, tests and benchmarks use; the Dagster ``WarehouseResource`` delegates to
it. The target is whatever ``duckdb.connect`` accepts: a local file path (parent directories are
created), or a URI such as ``md:...`` / ``ducklake:...``, passed through untouched so another backend can
be chosen by configuration alone.
"""

from __future__ import annotations

import os
import random
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from kalshi_platform.warehouse import migrations as _migrations
from kalshi_platform.warehouse.errors import WarehouseConfigConflictError, WarehouseLockedError

if TYPE_CHECKING:
    from kalshi_platform.warehouse.snapshot import SnapshotInfo

DEFAULT_PATH = "data/warehouse.duckdb"
DEFAULT_SNAPSHOT_PATH = "data/warehouse_snapshot.duckdb"
DEFAULT_LOCK_TIMEOUT_S = 30.0

# Backoff between lock attempts: starts short so a brief hold costs little, capped so a release is
# noticed within half a second.
_FIRST_DELAY_S = 0.05
_MAX_DELAY_S = 0.5

_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")

# Migrations run once per process and target, on the first read-write open.
_migrated: set[tuple[int, str, str]] = set()
_migrated_lock = threading.Lock()


def is_local_file(target: str) -> bool:
    """A plain file path, as opposed to ':memory:' or a URI like 'md:db' / 'ducklake:meta.ducklake'."""
    return not target.startswith(":memory:") and _URI.match(target) is None


def normalize_target(target: str | os.PathLike[str]) -> str:
    text = os.fspath(target)
    return os.path.abspath(os.path.expanduser(text)) if is_local_file(text) else text


def _is_lock_conflict(exc: duckdb.Error) -> bool:
    message = str(exc).lower()
    return "could not set lock" in message or "conflicting lock" in message


def open_duckdb(
    target: str,
    *,
    read_only: bool = False,
    lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
    config: dict[str, Any] | None = None,
) -> duckdb.DuckDBPyConnection:
    """``duckdb.connect`` that waits (bounded, jittered backoff) while another process holds the file.

    Raises ``WarehouseLockedError`` naming the file once ``lock_timeout_s`` is spent, and
    ``WarehouseConfigConflictError`` when this very process holds it open in the other mode (waiting
    cannot help there).
    """
    if read_only and is_local_file(target) and not os.path.exists(target):
        raise FileNotFoundError(f"warehouse {target} does not exist yet: open it read-write (or materialize) first")
    started = time.monotonic()
    delay = _FIRST_DELAY_S
    attempts = 0
    while True:
        attempts += 1
        try:
            return duckdb.connect(target, read_only=read_only, config=dict(config or {}))
        except duckdb.IOException as exc:
            if not _is_lock_conflict(exc):
                raise
            waited = time.monotonic() - started
            if waited >= lock_timeout_s:
                raise WarehouseLockedError(
                    f"could not open {target} {'read-only' if read_only else 'read-write'}: another process "
                    f"holds its lock (waited {waited:.1f}s over {attempts} attempts, budget {lock_timeout_s}s). "
                    f"DuckDB allows one writer per file; readers should use the snapshot. DuckDB said: {exc}"
                ) from exc
            time.sleep(min(random.uniform(delay / 2, delay), max(lock_timeout_s - waited, 0.0)))
            delay = min(delay * 2, _MAX_DELAY_S)
        except duckdb.ConnectionException as exc:
            if "different configuration" not in str(exc):
                raise
            raise WarehouseConfigConflictError(
                f"could not open {target} {'read-only' if read_only else 'read-write'}: this process already "
                f"has it open in the other mode or with other settings, and DuckDB shares one instance per "
                f"file and process. Close the other connection first. DuckDB said: {exc}"
            ) from exc


class Warehouse:
    """The warehouse at ``path``, with its notebook snapshot at ``snapshot_path``."""

    def __init__(
        self,
        path: str | os.PathLike[str] = DEFAULT_PATH,
        snapshot_path: str | os.PathLike[str] = DEFAULT_SNAPSHOT_PATH,
        *,
        lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
        config: dict[str, Any] | None = None,
        migrations_dir: Traversable | Path | str | None = None,
    ) -> None:
        self.path = normalize_target(path)
        self.snapshot_path = normalize_target(snapshot_path)
        self.lock_timeout_s = lock_timeout_s
        self.config = dict(config or {})
        self.migrations_dir = migrations_dir

    def __repr__(self) -> str:
        return f"Warehouse(path={self.path!r}, snapshot_path={self.snapshot_path!r})"

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection that is always closed afterwards. Session time zone is UTC, so casts of
        TIMESTAMPTZ to DATE etc. mean the same on every machine."""
        with self._open(read_only) as con:
            if not read_only:
                self._migrate(con, force=False)
            yield con

    def migrate(self) -> list[_migrations.Migration]:
        """Apply pending migrations now, even if this process already did on an earlier connect."""
        with self._open(read_only=False) as con:
            return self._migrate(con, force=True)

    def publish_snapshot(self) -> SnapshotInfo:
        from kalshi_platform.warehouse.snapshot import publish_snapshot  # snapshot imports this module

        return publish_snapshot(self.path, self.snapshot_path, lock_timeout_s=self.lock_timeout_s, config=self.config)

    @contextmanager
    def _open(self, read_only: bool) -> Iterator[duckdb.DuckDBPyConnection]:
        if not read_only and is_local_file(self.path):
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        con = open_duckdb(self.path, read_only=read_only, lock_timeout_s=self.lock_timeout_s, config=self.config)
        try:
            con.execute("SET TimeZone = 'UTC'")
            yield con
        finally:
            con.close()

    def _migrate(self, con: duckdb.DuckDBPyConnection, *, force: bool) -> list[_migrations.Migration]:
        # The pid is part of the key so a forked child checks again; ':memory:' is a new database on
        # every connect, so it is always migrated.
        key = (os.getpid(), self.path, str(self.migrations_dir))
        with _migrated_lock:
            if key in _migrated and not force and self.path != ":memory:":
                return []
            applied = _migrations.migrate(con, self.migrations_dir)
            _migrated.add(key)
            return applied
