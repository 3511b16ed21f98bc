"""The dbt project in ``dbt_project/``: where it is, which tables exist, and its manifest.

dbt models are enabled per table (dbt var ``kalshi_tables``): a staging view or mart exists when the
warehouse migrations create the tables it reads. The list is computed by applying the migrations to
an in-memory DuckDB, so a domain that ships its migration gets its marts with no change here.

The manifest is prepared (``dbt parse``) by ``make install``; :func:`prepare` re-parses only when
the project's files or the table list changed since (a stamp beside the manifest records both), so
the CLI, tests and CI always load a current manifest without a manual step.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import duckdb

from kalshi_platform.warehouse import migrations
from kalshi_platform.warehouse.connection import normalize_target

PROJECT_ROOT = Path(__file__).resolve().parents[3]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
TARGET_DIR = DBT_PROJECT_DIR / "target"
MANIFEST_PATH = TARGET_DIR / "manifest.json"
STAMP_PATH = TARGET_DIR / "kalshi_prepare.json"
DATA_SCHEMAS = ("raw", "core", "signals", "trading")
# Files that change what dbt parses (target/ and logs/ are dbt's output).
_PROJECT_GLOBS = ("dbt_project.yml", "profiles.yml", "models/**/*", "macros/**/*", "tests/**/*")


class DbtPrepareError(RuntimeError):
    """``dbt parse`` failed: the message carries dbt's output."""


@lru_cache(maxsize=4)
def warehouse_tables(migrations_dir: str | None = None) -> tuple[str, ...]:
    """Every "schema.table" of the data schemas that the migrations create, sorted."""
    con = duckdb.connect(":memory:")
    try:
        migrations.migrate(con, migrations_dir)
        rows = con.execute(
            "SELECT schema_name || '.' || table_name FROM duckdb_tables() "
            "WHERE list_contains(?, schema_name) ORDER BY 1",
            [list(DATA_SCHEMAS)],
        ).fetchall()
    finally:
        con.close()
    return tuple(r[0] for r in rows)


def dbt_vars(duckdb_path: str | os.PathLike[str] | None = None, tables: tuple[str, ...] | None = None) -> dict:
    """The vars every dbt command gets: the tables that exist and (for commands that connect) the
    absolute warehouse path."""
    out: dict[str, object] = {"kalshi_tables": list(warehouse_tables() if tables is None else tables)}
    if duckdb_path is not None:
        out["duckdb_path"] = normalize_target(duckdb_path)
    return out


def dbt_executable() -> str:
    sibling = Path(sys.executable).with_name("dbt")
    return str(sibling) if sibling.exists() else "dbt"


def _fingerprint(tables: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    files = sorted({p for g in _PROJECT_GLOBS for p in DBT_PROJECT_DIR.glob(g) if p.is_file()})
    for path in files:
        digest.update(str(path.relative_to(DBT_PROJECT_DIR)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    digest.update(json.dumps(list(tables)).encode())
    return digest.hexdigest()


def manifest_is_current(tables: tuple[str, ...] | None = None, parsed_for: str | None = None) -> bool:
    """True when the manifest was parsed from the current project files and table list (and, when
    ``parsed_for`` is given, with that warehouse path)."""
    tables = warehouse_tables() if tables is None else tables
    if not MANIFEST_PATH.exists() or not STAMP_PATH.exists():
        return False
    try:
        stamp = json.loads(STAMP_PATH.read_text())
    except (OSError, ValueError):
        return False
    if parsed_for is not None and stamp.get("parsed_for") != parsed_for:
        return False
    return stamp.get("fingerprint") == _fingerprint(tables)


def dbt_env() -> dict[str, str]:
    # No usage statistics and no version check: nothing leaves the machine.
    return {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DBT_VERSION_CHECK": "false"}


def prepare(
    force: bool = False, duckdb_path: str | os.PathLike[str] | None = None, *, match_path: bool = False
) -> Path:
    """``dbt parse`` into ``dbt_project/target`` when needed; returns the manifest path.

    The manifest does not depend on the warehouse path, but dbt's partial parsing does (the path is
    part of the profile it hashes): parsing with the warehouse the runs will use lets every ``dbt
    build`` skip a full parse (~15 s); builds on another path parse in full. ``match_path`` (the
    install step) re-parses when the manifest was parsed for another path; loading the definitions
    does not, so a test on a temporary warehouse never rewrites the shared manifest.
    A file lock keeps concurrent processes (webserver, daemon, tests) from parsing at once.
    """
    tables = warehouse_tables()
    wanted_path = dbt_vars(duckdb_path, tables).get("duckdb_path") if match_path else None
    if not force and manifest_is_current(tables, wanted_path):
        return MANIFEST_PATH
    TARGET_DIR.mkdir(parents=True, exist_ok=True)
    with open(TARGET_DIR / ".prepare.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not force and manifest_is_current(tables, wanted_path):
            return MANIFEST_PATH
        command = [
            dbt_executable(), "parse",
            "--project-dir", str(DBT_PROJECT_DIR),
            "--profiles-dir", str(DBT_PROJECT_DIR),
            "--target-path", str(TARGET_DIR),
            "--vars", json.dumps(dbt_vars(duckdb_path, tables=tables)),
        ]
        done = subprocess.run(command, cwd=DBT_PROJECT_DIR, env=dbt_env(), capture_output=True, text=True)
        if done.returncode != 0 or not MANIFEST_PATH.exists():
            raise DbtPrepareError(f"dbt parse failed ({done.returncode}):\n{done.stdout[-4000:]}\n{done.stderr[-2000:]}")
        stamp = {"fingerprint": _fingerprint(tables), "tables": list(tables), "parsed_for": dbt_vars(duckdb_path, tables).get("duckdb_path")}
        STAMP_PATH.write_text(json.dumps(stamp, indent=1))
    return MANIFEST_PATH


def run_dbt(
    args: list[str],
    duckdb_path: str | os.PathLike[str],
    *,
    tables: tuple[str, ...] | None = None,
    target_path: str | os.PathLike[str] | None = None,
) -> subprocess.CompletedProcess:
    """A dbt command (``["build"]``, ``["test", "--select", "marts"]``) on the warehouse at
    ``duckdb_path``, outside Dagster (tests, ``make dbt-build``). ``target_path`` keeps its artifacts
    apart from the prepared manifest."""
    command = [
        dbt_executable(), *args,
        "--project-dir", str(DBT_PROJECT_DIR),
        "--profiles-dir", str(DBT_PROJECT_DIR),
        "--vars", json.dumps(dbt_vars(duckdb_path, tables)),
    ]
    if target_path is not None:
        command += ["--target-path", str(target_path)]
    env = dbt_env()
    if target_path is not None:
        env["DBT_LOG_PATH"] = str(target_path)
    return subprocess.run(command, cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True)


def main(argv: list[str] | None = None) -> int:
    """``python -m kalshi_platform.defs.dbt.project [--force]``: prepare the manifest (make install).
    ``... build [dbt args]``: prepare, then run ``dbt build`` on KALSHI_DUCKDB_PATH (make dbt-build)."""
    from kalshi_platform.settings import load_settings

    args = sys.argv[1:] if argv is None else argv
    duckdb_path = load_settings().duckdb_path
    if args[:1] == ["build"]:
        prepare(duckdb_path=duckdb_path, match_path=True)
        done = run_dbt(args, duckdb_path)
        print(done.stdout, end="")
        print(done.stderr, end="", file=sys.stderr)
        return done.returncode
    path = prepare(force="--force" in args, duckdb_path=duckdb_path, match_path=True)
    enabled = json.loads(STAMP_PATH.read_text())["tables"]
    print(f"dbt manifest ready: {path} ({len(enabled)} warehouse tables)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
