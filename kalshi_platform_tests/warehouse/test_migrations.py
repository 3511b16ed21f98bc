from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kalshi_platform.core.rejects import REJECT_SCHEMA
from kalshi_platform.warehouse import (
    MigrationChecksumError,
    MigrationError,
    Warehouse,
    applied_migrations,
    load_migrations,
    migrate,
)
from kalshi_platform.warehouse.migrations import checksum, default_migrations_dir
from kalshi_platform_tests.warehouse.conftest import rows

PACKAGE_DIR = Path(str(default_migrations_dir()))


@pytest.fixture
def migrations_dir(tmp_path: Path) -> Path:
    """A private copy of the shipped migrations that a test may add to or edit."""
    target = tmp_path / "migrations"
    target.mkdir()
    shutil.copy(PACKAGE_DIR / "0001_schemas.sql", target)
    return target


def test_shipped_migrations_are_package_data():
    found = load_migrations()
    assert found[0].filename == "0001_schemas.sql"
    assert [m.version for m in found] == sorted(m.version for m in found)
    assert all(m.checksum == checksum((PACKAGE_DIR / m.filename).read_text()) for m in found)


def test_fresh_database_gets_schemas_tables_and_versions(warehouse, con):
    schemas = {r[0] for r in rows(con, "SELECT schema_name FROM duckdb_schemas() WHERE database_name = current_database()")}
    assert {"raw", "core", "signals", "trading", "meta"} <= schemas
    tables = {f"{s}.{t}" for s, t in rows(con, "SELECT schema_name, table_name FROM duckdb_tables()")}
    assert {"raw.rejects", "meta.batches", "meta.watermarks", "meta.schema_version"} <= tables
    versions = rows(con, "SELECT version, name, checksum FROM meta.schema_version ORDER BY version")
    assert versions == [(m.version, m.name, m.checksum) for m in load_migrations()]
    types = dict(rows(con, "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'meta' "
                          "AND table_name = 'schema_version'"))
    assert types == {"version": "INTEGER", "name": "VARCHAR", "checksum": "VARCHAR",
                     "applied_at": "TIMESTAMP WITH TIME ZONE"}


def test_raw_rejects_has_exactly_the_reject_schema(con):
    columns = rows(con, "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'raw' "
                        "AND table_name = 'rejects' ORDER BY column_index")
    expected = [(name, "TIMESTAMP WITH TIME ZONE" if name == "fetched_at" else "VARCHAR") for name in REJECT_SCHEMA]
    assert columns == expected


def test_bookkeeping_tables_columns(con):
    def columns(table):
        return rows(con, f"SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'meta' "
                         f"AND table_name = '{table}' ORDER BY column_index")

    assert columns("batches") == [
        ("batch_id", "VARCHAR"), ("asset_key", "VARCHAR"), ("started_at", "TIMESTAMP WITH TIME ZONE"),
        ("finished_at", "TIMESTAMP WITH TIME ZONE"), ("rows_written", "BIGINT"), ("complete", "BOOLEAN"),
        ("note", "VARCHAR"),
    ]
    assert columns("watermarks") == [("name", "VARCHAR"), ("value", "VARCHAR"),
                                     ("updated_at", "TIMESTAMP WITH TIME ZONE")]


def test_migrate_twice_changes_nothing(warehouse, con):
    before = rows(con, "SELECT * FROM meta.schema_version ORDER BY version")
    tables_before = rows(con, "SELECT schema_name, table_name FROM duckdb_tables() ORDER BY ALL")
    assert migrate(con) == []
    assert rows(con, "SELECT * FROM meta.schema_version ORDER BY version") == before
    assert rows(con, "SELECT schema_name, table_name FROM duckdb_tables() ORDER BY ALL") == tables_before


def test_changed_checksum_raises_clearly(tmp_path, migrations_dir):
    (migrations_dir / "0002_extra.sql").write_text("CREATE TABLE core.extra (a INTEGER);\n")
    wh = Warehouse(tmp_path / "w.duckdb", tmp_path / "s.duckdb", migrations_dir=migrations_dir)
    assert [m.filename for m in wh.migrate()] == ["0001_schemas.sql", "0002_extra.sql"]
    (migrations_dir / "0002_extra.sql").write_text("CREATE TABLE core.extra (a BIGINT);\n")
    with pytest.raises(MigrationChecksumError, match=r"0002_extra\.sql was changed after it was applied"):
        wh.migrate()
    with wh._open(read_only=True) as con:  # nothing was re-run
        assert rows(con, "SELECT data_type FROM duckdb_columns() WHERE table_name = 'extra'") == [("INTEGER",)]


def test_crlf_checkout_is_not_a_change():
    assert checksum("CREATE TABLE a (x INT);\r\n") == checksum("CREATE TABLE a (x INT);\n")


def test_new_migration_file_is_applied_on_next_start(tmp_path, migrations_dir):
    path = tmp_path / "w.duckdb"
    wh = Warehouse(path, tmp_path / "s.duckdb", migrations_dir=migrations_dir)
    with wh.connect():
        pass
    (migrations_dir / "0003_signals_extra.sql").write_text(
        "-- a later issue\nCREATE TABLE signals.extra (id VARCHAR, p DECIMAL(18,6));\n"
        "INSERT INTO signals.extra VALUES ('a', 0.5);\n"
    )
    # A new process is a new start: its first read-write connect applies the new file.
    code = (
        "from kalshi_platform.warehouse import Warehouse\n"
        f"wh = Warehouse({str(path)!r}, {str(tmp_path / 's.duckdb')!r}, migrations_dir={str(migrations_dir)!r})\n"
        "with wh.connect() as con:\n"
        "    print(con.execute('SELECT count(*) FROM signals.extra').fetchone()[0])\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1"
    with wh.connect() as con:
        assert sorted(applied_migrations(con)) == [1, 3]


def test_connect_migrates_once_per_process_and_migrate_forces(tmp_path, migrations_dir):
    wh = Warehouse(tmp_path / "w.duckdb", tmp_path / "s.duckdb", migrations_dir=migrations_dir)
    with wh.connect():
        pass
    (migrations_dir / "0002_more.sql").write_text("CREATE TABLE core.more (a INTEGER);")
    with wh.connect() as con:  # already migrated in this process: the directory is not re-read
        assert 2 not in applied_migrations(con)
    assert [m.version for m in wh.migrate()] == [2]


def test_failing_migration_rolls_back_and_names_the_file(tmp_path, migrations_dir):
    (migrations_dir / "0002_broken.sql").write_text(
        "CREATE TABLE core.half_done (a INTEGER);\nCREATE TABLE core.bad (a NOT_A_TYPE);\n"
    )
    wh = Warehouse(tmp_path / "w.duckdb", tmp_path / "s.duckdb", migrations_dir=migrations_dir)
    with pytest.raises(MigrationError, match=r"0002_broken\.sql failed at statement 2 of 2"):
        wh.migrate()
    with wh._open(read_only=True) as con:
        assert sorted(applied_migrations(con)) == [1]  # 0001 committed on its own
        assert rows(con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'half_done'") == [(0,)]


@pytest.mark.parametrize("filename", ["2_short.sql", "0002 spaces.sql", "0002_name.SQL.sql", "abcd_x.sql"])
def test_misnamed_sql_file_is_an_error(migrations_dir, filename):
    (migrations_dir / filename).write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="not named NNNN_name.sql"):
        load_migrations(migrations_dir)


def test_other_files_are_ignored(migrations_dir):
    (migrations_dir / "README.md").write_text("notes")
    (migrations_dir / "0002_draft.sql.bak").write_text("SELECT 1;")
    assert [m.filename for m in load_migrations(migrations_dir)] == ["0001_schemas.sql"]


def test_duplicate_version_is_an_error(migrations_dir):
    (migrations_dir / "0001_other.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="share version 1"):
        load_migrations(migrations_dir)


def test_missing_directory_is_an_error(tmp_path):
    with pytest.raises(MigrationError, match="migrations directory not found"):
        load_migrations(tmp_path / "nope")


def test_concurrent_starts_apply_each_migration_once(tmp_path):
    path = tmp_path / "w.duckdb"
    code = (
        "import sys\n"
        "from kalshi_platform.warehouse import Warehouse\n"
        f"wh = Warehouse({str(path)!r}, 's.duckdb', lock_timeout_s=60)\n"
        "print(len(wh.migrate()))\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(3)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [err for _, err in outputs]
    applied_counts = sorted(int(out.strip()) for out, _ in outputs)
    assert applied_counts == [0, 0, len(load_migrations())]  # one process applied, the others found it done
    with Warehouse(path, tmp_path / "s.duckdb").connect(read_only=True) as con:
        assert rows(con, "SELECT version, count(*) FROM meta.schema_version GROUP BY version ORDER BY version") == [
            (m.version, 1) for m in load_migrations()
        ]


def test_threads_of_one_process_apply_each_migration_once(tmp_path):
    import threading

    path = tmp_path / "w.duckdb"
    results: list[object] = []

    def start():
        try:
            results.append(len(Warehouse(path, tmp_path / "s.duckdb").migrate()))
        except Exception as exc:  # collected and asserted on below
            results.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == [0, 0, 0, len(load_migrations())]
    with Warehouse(path, tmp_path / "s.duckdb").connect() as con:
        assert rows(con, "SELECT count(*) = count(DISTINCT version) FROM meta.schema_version") == [(True,)]
