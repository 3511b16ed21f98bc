"""`kalshi-platform`: run the whole graph, show warehouse stats, import saved responses, serve the sandbox."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kalshi_platform.core.timeutil import parse_ts
from kalshi_platform.warehouse import queries

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RAW_TABLES = (
    "raw.kalshi_series",
    "raw.kalshi_events",
    "raw.kalshi_markets",
    "raw.kalshi_market_snapshots",
    "raw.kalshi_orderbooks",
    "raw.kalshi_trades",
    "raw.kalshi_candlesticks",
    "raw.rejects",
)


def _ensure_dagster_home() -> Path:
    """Runs must land in the project's instance so `make ui` shows them."""
    home = Path(os.environ.get("DAGSTER_HOME") or PROJECT_ROOT / ".dagster_home").resolve()
    home.mkdir(parents=True, exist_ok=True)
    os.environ["DAGSTER_HOME"] = str(home)
    os.environ.setdefault("DO_NOT_TRACK", "1")
    return home


def _print_table(rows: list[tuple], headers: tuple[str, ...]) -> None:
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    print("  ".join(str(h).ljust(w) for h, w in zip(headers, widths)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(str(v).ljust(w) for v, w in zip(row, widths)))


# ---------------------------------------------------------------- run
def cmd_run(args: argparse.Namespace) -> int:
    home = _ensure_dagster_home()
    from dagster import DagsterInstance

    from kalshi_platform.definitions import ALL_ASSETS_JOB, build_definitions
    from kalshi_platform.settings import load_settings
    from kalshi_platform.warehouse.resource import Warehouse

    settings = load_settings()
    print(f"kalshi-platform run: env={settings.env} warehouse={settings.duckdb_path} DAGSTER_HOME={home}")
    if settings.is_sandbox:
        print(f"  embedded exchange: seed={settings.sandbox_seed} faults={settings.sandbox_faults!r}")
    defs = build_definitions(settings)
    job = defs.resolve_job_def(ALL_ASSETS_JOB)
    # The last complete UTC day of the source's clock (the sandbox's frozen clock if set): a partition
    # that is whole whatever the hour of the run; daily forecasts read from it onwards.
    clock = parse_ts(settings.sandbox_now) if settings.is_sandbox and settings.sandbox_now else datetime.now(UTC)
    partition = args.partition or (clock.date() - timedelta(days=1)).isoformat()
    started = time.monotonic()
    with DagsterInstance.get() as instance:
        result = job.execute_in_process(instance=instance, partition_key=partition, raise_on_error=False)
        portfolios = _run_portfolios(defs, instance, settings)
    elapsed = time.monotonic() - started

    warehouse = Warehouse(settings.duckdb_path, settings.snapshot_path)
    snapshot = warehouse.publish_snapshot()
    with warehouse.connect(read_only=True) as con:
        from kalshi_platform.warehouse.stats import table_counts

        counts = table_counts(con)
    print()
    _print_table([(t, f"{n:,}") for t, n in sorted(counts.items())], ("table", "rows"))
    print()
    steps = [e for e in result.all_events if e.is_step_success or e.is_step_failure]
    failed = [e.step_key for e in steps if e.is_step_failure]
    print(f"run {result.run_id} {'succeeded' if result.success else 'FAILED'} in {elapsed:.1f} s "
          f"({len(steps) - len(failed)} steps ok, {len(failed)} failed; candlestick partition {partition})")
    if failed:
        print("failed steps: " + ", ".join(failed))
    for user, outcome in portfolios:
        print(f"portfolio of {user}: {outcome}")
    print(f"read-only snapshot for notebooks: {snapshot.path}")
    print("open the UI:  make ui   then browse http://127.0.0.1:3000 (assets, runs, lineage)")
    return 0 if result.success else 1


def _run_portfolios(defs, instance, settings) -> list[tuple[str, str]]:
    """One run of accounts_portfolio_job per stored user (its partition): a bad key fails only its user."""
    from kalshi_platform.defs.accounts.assets import sync_user_partitions
    from kalshi_platform.warehouse import accounts as store
    from kalshi_platform.warehouse.resource import Warehouse
    from kalshi_platform.warehouse.trading_queries import table_exists

    try:
        job = defs.resolve_job_def("accounts_portfolio_job")
    except Exception:  # the accounts domain is not wired into this build
        return []
    with Warehouse(settings.duckdb_path, settings.snapshot_path).connect(read_only=True) as con:
        users = store.active_users(con) if table_exists(con, store.TABLE) else []
    sync_user_partitions(instance, users)
    outcomes = []
    for user in users:
        run = job.execute_in_process(instance=instance, partition_key=user, raise_on_error=False)
        failures = [e for e in run.all_events if e.is_step_failure]
        if run.success:
            outcomes.append((user, "loaded"))
        else:
            error = failures[0].event_specific_data.error if failures else None
            while error is not None and error.cause is not None:
                error = error.cause
            message = (error.message.strip().splitlines() or ["failed"])[0] if error else "failed"
            outcomes.append((user, f"FAILED: {message}"))
    return outcomes


# ---------------------------------------------------------------- stats
def cmd_stats(args: argparse.Namespace) -> int:
    from kalshi_platform.settings import load_settings
    from kalshi_platform.warehouse.resource import Warehouse
    from kalshi_platform.warehouse.stats import freshest, table_counts

    settings = load_settings()
    path = args.db or settings.duckdb_path
    if not Path(path).exists():
        print(f"no warehouse at {path}: run `make run` first", file=sys.stderr)
        return 2
    warehouse = Warehouse(path, settings.snapshot_path)
    with warehouse.connect(read_only=True) as con:
        counts = table_counts(con)
        rows = []
        for table, n in sorted(counts.items()):
            newest = freshest(con, table, "fetched_at") if "fetched_at" in _columns(con, table) else None
            rows.append((table, f"{n:,}", newest.isoformat(timespec="seconds") if newest else "-"))
        _print_table(rows, ("table", "rows", "freshest fetched_at"))
        print()
        reasons = queries.reject_summary(con, args.limit, by_source=False)
        print("rejects by reason:" if reasons.height else "rejects: none")
        if reasons.height:
            _print_table([(k, r[:90], n) for k, r, n in reasons.iter_rows()], ("kind", "reason", "count"))
        print()
        batches = queries.batch_summary(con)
        if batches:
            _print_table(
                [(a, b, i, f.isoformat(timespec="seconds") if f else "-") for a, b, i, f in batches],
                ("asset", "batches", "incomplete", "last finished"),
            )
    return 0


def _columns(con, table: str) -> set[str]:
    schema, name = table.split(".")
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
        [schema, name],
    ).fetchall()
    return {r[0] for r in rows}


# ---------------------------------------------------------------- describe / search
DESCRIBE_FIELDS = (
    "ticker", "display_name", "short_name", "category", "subcategory", "family", "series_ticker",
    "event_ticker", "event_date", "strike_type", "floor", "cap", "unit", "outcome_label", "status",
    "parsed_from", "disagreements", "source",
)


def _describe_rows(tickers: list[str], db: str | None) -> list[dict]:
    import polars as pl

    from kalshi_platform.core.instruments import build_instruments

    stored = pl.DataFrame()
    if db and Path(db).exists():
        from kalshi_platform.warehouse.resource import Warehouse

        try:
            with Warehouse(db, db + ".snapshot").connect(read_only=True) as con:
                if "core.instruments" in table_counts_safe(con):
                    stored = queries.instruments_for(con, tickers)
        except Exception as exc:  # the warehouse is optional here: fall back to the ticker parse
            print(f"note: warehouse {db} not readable ({exc}); using the ticker parse only", file=sys.stderr)
    found = {t.upper(): row for row in stored.iter_rows(named=True) for t in [row["ticker"]]}
    missing = [t for t in tickers if t.strip().upper() not in found]
    parsed = build_instruments(pl.DataFrame({"ticker": [t.strip() for t in missing]}, schema={"ticker": pl.String}))
    guessed = {row["ticker"].upper(): row for row in parsed.iter_rows(named=True)}
    out = []
    for ticker in tickers:
        key = ticker.strip().upper()
        if key in found:
            out.append({**found[key], "source": "warehouse"})
        else:
            out.append({**guessed[key], "source": "ticker parse only (not in the warehouse)"})
    return out


def table_counts_safe(con) -> set[str]:
    from kalshi_platform.warehouse.stats import table_counts

    return set(table_counts(con, ("core",)))


def _emit(rows: list[dict], fields: tuple[str, ...], fmt: str) -> None:
    import csv

    def text(value) -> str:
        if value is None:
            return ""
        if isinstance(value, (list, tuple)):
            return ",".join(map(str, value))
        return value.isoformat() if hasattr(value, "isoformat") else str(value)

    if fmt == "json":
        print(json.dumps([{f: row.get(f) for f in fields} for row in rows], indent=2, default=text))
    elif fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(fields)
        for row in rows:
            writer.writerow([text(row.get(f)) for f in fields])
    else:
        for n, row in enumerate(rows):
            if n:
                print()
            width = max(len(f) for f in fields)
            for f in fields:
                if row.get(f) not in (None, ""):
                    print(f"{f.ljust(width)}  {text(row.get(f))}")


def cmd_describe(args: argparse.Namespace) -> int:
    tickers = list(args.tickers)
    if args.file:
        source = sys.stdin if args.file == "-" else open(args.file, encoding="utf-8")
        with source:
            tickers += [line.split(",")[0].strip() for line in source if line.strip()]
    if not tickers:
        print("give tickers or --file", file=sys.stderr)
        return 2
    db = args.db or os.environ.get("KALSHI_DUCKDB_PATH", "data/warehouse.duckdb")
    _emit(_describe_rows(tickers, db), DESCRIBE_FIELDS, args.format)
    return 0


SEARCH_FIELDS = ("ticker", "display_name", "category", "status")


def cmd_search(args: argparse.Namespace) -> int:
    from kalshi_platform.settings import load_settings
    from kalshi_platform.warehouse.resource import Warehouse

    db = args.db or load_settings().duckdb_path
    if not Path(db).exists():
        print(f"no warehouse at {db}: run `make run` first", file=sys.stderr)
        return 2
    with Warehouse(db, db + ".snapshot").connect(read_only=True) as con:
        total, page = queries.search_instruments(
            con, args.text, category=args.category, status=args.status, limit=args.limit, offset=args.offset
        )
    rows = page.to_dicts()
    if args.format == "table":
        _print_table([tuple(str(r.get(f) or "")[:100] for f in SEARCH_FIELDS) for r in rows], SEARCH_FIELDS)
        last = args.offset + len(rows)
        print(f"\n{args.offset + 1 if rows else 0}-{last} of {total} matches"
              + (f"; next page: --offset {last}" if last < total else ""))
    else:
        _emit(rows, DESCRIBE_FIELDS[:-1], args.format)
    return 0


# ---------------------------------------------------------------- import
@dataclass
class FileReport:
    path: Path
    kind: str
    rows: int = 0
    rejects: int = 0
    note: str = ""


@dataclass
class ImportReport:
    files: list[FileReport] = field(default_factory=list)
    rows_by_table: dict[str, int] = field(default_factory=dict)

    @property
    def total_rows(self) -> int:
        return sum(self.rows_by_table.values())

    @property
    def total_rejects(self) -> int:
        return sum(f.rejects for f in self.files)


def _read_payloads(path: Path) -> list[tuple[str, object, str | None]]:
    """(label, decoded payload or None, error) for each response in the file."""
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".jsonl":
        out = []
        for n, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    out.append((f"{path.name}:{n}", json.loads(line), None))
                except json.JSONDecodeError as exc:
                    out.append((f"{path.name}:{n}", line, f"malformed JSON: {exc}"))
        return out
    try:
        return [(path.name, json.loads(text), None)]
    except json.JSONDecodeError as exc:
        return [(path.name, text, f"malformed JSON: {exc}")]


def import_files(warehouse, paths: list[Path]) -> ImportReport:
    """Parse saved Kalshi REST responses and upsert them into the raw tables, rejects included."""
    from kalshi_platform.core import kalshi_parse as kp
    from kalshi_platform.core.kalshi_import import Unrecognised, recognise
    from kalshi_platform.core.rejects import make_reject, rejects_frame
    from kalshi_platform.warehouse import writes

    report = ImportReport()
    with warehouse.connect() as con:
        batch_id = writes.start_batch(con, "import")
        for path in paths:
            for label, payload, error in _read_payloads(path):
                fetched_at = datetime.now(UTC)
                source = f"import {label}"
                if error is None:
                    found = recognise(payload, label)
                    if isinstance(found, Unrecognised):
                        error = found.reason
                if error is not None:
                    body = payload if isinstance(payload, str) else json.dumps(payload)[:200_000]
                    reject = make_reject(source=source, kind="file", reason=error, body=body,
                                         fetched_at=fetched_at, batch_id=batch_id)
                    writes.record_rejects(con, rejects_frame([reject]))
                    report.files.append(FileReport(path, "-", rejects=1, note=error))
                    continue
                for item in found:
                    outputs = _parse_recognised(kp, item, source, fetched_at, batch_id)
                    file_report = FileReport(path, item.kind)
                    for table, parsed in outputs:
                        if not parsed.rows.is_empty():
                            writes.upsert(con, table, parsed.rows, key=kp.NATURAL_KEYS[table])
                            report.rows_by_table[table] = report.rows_by_table.get(table, 0) + parsed.rows.height
                            file_report.rows += parsed.rows.height
                        if not parsed.rejects.is_empty():
                            writes.record_rejects(con, parsed.rejects)
                            file_report.rejects += parsed.rejects.height
                    if item.kind in ("orderbook", "candlesticks") and not item.ticker:
                        file_report.note = "no ticker in payload or file name"
                    report.files.append(file_report)
        writes.finish_batch(con, batch_id, report.total_rows, True, f"{len(paths)} file(s)")
    return report


def _parse_recognised(kp, item, source: str, fetched_at: datetime, batch_id: str) -> list[tuple[str, object]]:
    common = dict(source=source, fetched_at=fetched_at, batch_id=batch_id)
    if item.kind == "series":
        return [("raw.kalshi_series", kp.parse_series(item.items, **common))]
    if item.kind == "events":
        events, nested = kp.parse_events(item.items, **common)
        return [("raw.kalshi_events", events), ("raw.kalshi_markets", nested)]
    if item.kind == "markets":
        return [("raw.kalshi_markets", kp.parse_markets(item.items, **common))]
    if item.kind == "orderbook":
        return [("raw.kalshi_orderbooks", kp.parse_orderbook(item.items[0], item.ticker or "UNKNOWN", **common))]
    if item.kind == "trades":
        return [("raw.kalshi_trades", kp.parse_trades(item.items, **common))]
    if item.kind == "candlesticks":
        parsed = kp.parse_candlesticks(
            item.items, item.ticker or "UNKNOWN", item.period_interval or 0, item.tier, **common
        )
        return [("raw.kalshi_candlesticks", parsed)]
    raise ValueError(f"unknown kind {item.kind}")


def cmd_import(args: argparse.Namespace) -> int:
    from kalshi_platform.warehouse.resource import Warehouse

    db = args.db
    warehouse = Warehouse(db, str(Path(db).with_name(Path(db).stem + "_snapshot.duckdb")))
    paths: list[Path] = []
    for raw in args.paths:
        p = Path(raw)
        if p.is_dir():
            paths.extend(sorted(q for q in p.rglob("*") if q.suffix in (".json", ".jsonl")))
        elif p.exists():
            paths.append(p)
        else:
            print(f"no such file: {p}", file=sys.stderr)
            return 2
    report = import_files(warehouse, paths)
    _print_table(
        [(r.path.name[:70], r.kind, r.rows, r.rejects, r.note[:70]) for r in report.files],
        ("file", "kind", "rows", "rejects", "note"),
    )
    print()
    _print_table(sorted(report.rows_by_table.items()), ("table", "rows imported"))
    print(f"\n{report.total_rows} rows imported, {report.total_rejects} rejects recorded in raw.rejects of {db}")
    return 0


# ---------------------------------------------------------------- sandbox serve
def cmd_sandbox_serve(args: argparse.Namespace) -> int:
    from kalshi_platform.sandbox.exchange import SandboxConfig, SandboxExchange
    from kalshi_platform.sandbox.faults import parse_fault_spec
    from kalshi_platform.sandbox.server import serve_forever
    from kalshi_platform.settings import load_settings

    settings = load_settings()
    config = SandboxConfig(
        seed=args.seed if args.seed is not None else settings.sandbox_seed,
        tier=settings.rate_tier,
        faults=parse_fault_spec(args.faults if args.faults is not None else settings.sandbox_faults),
        scale=settings.sandbox_scale,
    )
    exchange = SandboxExchange(config)
    from kalshi_platform.sandbox.telegram_api import mount_telegram

    mount_telegram(exchange)  # Telegram's sendMessage too, for TELEGRAM_BASE_URL=http://host:port
    for spec in args.key or []:
        key_id, _, pem_path = spec.partition("=")
        exchange.register_key(key_id, Path(pem_path).read_bytes())
    print(f"embedded exchange on http://{args.host}:{args.port}/trade-api/v2 "
          f"(seed={config.seed}, tier={config.tier}); Ctrl-C stops it")
    print(f"point the platform at it: KALSHI_BASE_URL=http://{args.host}:{args.port}/trade-api/v2")
    ws = None
    if args.ws_port >= 0:
        from kalshi_platform.sandbox.kalshi_ws import KalshiWsServer

        # The WebSocket API over the same exchange (same world, same registered keys), in real time.
        ws = KalshiWsServer(exchange, host=args.host, port=args.ws_port).start()
        print(f"WebSocket API on {ws.url}: KALSHI_WS_URL={ws.url}")
    try:
        serve_forever(exchange, host=args.host, port=args.port)
    except KeyboardInterrupt:
        pass
    finally:
        if ws is not None:
            ws.stop()
    return 0


# ---------------------------------------------------------------- accounts
def _store_warehouse(args: argparse.Namespace):
    from kalshi_platform.settings import load_settings
    from kalshi_platform.warehouse.resource import Warehouse

    settings = load_settings()
    path = getattr(args, "db", None) or settings.duckdb_path
    return settings, Warehouse(path, settings.snapshot_path)


def _sync_partitions(users_to_add: list[str], users_to_remove: list[str]) -> str:
    """Keep the per-user portfolio partitions of the Dagster instance in step (the accounts asset also does)."""
    try:
        _ensure_dagster_home()
        from dagster import DagsterInstance

        from kalshi_platform.defs.accounts.assets import USERS

        with DagsterInstance.get() as instance:
            existing = set(instance.get_dynamic_partitions(USERS.name))
            new = [u for u in users_to_add if u not in existing]
            if new:
                instance.add_dynamic_partitions(USERS.name, new)
            for user in users_to_remove:
                if user in existing:
                    instance.delete_dynamic_partition(USERS.name, user)
        return "partitions updated"
    except Exception as exc:  # the store is the truth; the next run syncs the partitions anyway
        return f"partitions not updated ({type(exc).__name__}); the next run does it"


def _read_private_key(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise SystemExit(f"cannot read private key file {path!r}: {exc.strerror}") from None


def _new_key(args: argparse.Namespace, settings) -> tuple[str, bytes, str, str]:
    """(key id, PEM, environment, origin) from --sandbox or --key-id + --private-key-file."""
    import uuid

    from kalshi_platform.core.credentials import generate_private_key_pem

    if args.sandbox:
        if args.key_id or args.private_key_file:
            raise SystemExit("--sandbox issues a fresh key: give neither --key-id nor --private-key-file")
        return f"sandbox-{uuid.uuid4()}", generate_private_key_pem(), "sandbox", "sandbox"
    if not (args.key_id and args.private_key_file):
        raise SystemExit("give --key-id and --private-key-file (your Kalshi API key), or --sandbox")
    return args.key_id, _read_private_key(args.private_key_file), args.environment or settings.env, "user"


def cmd_accounts(args: argparse.Namespace) -> int:
    from kalshi_platform.core.credentials import CredentialError, generate_encryption_key, load_cipher
    from kalshi_platform.warehouse import accounts as store

    if args.accounts_command == "keygen":
        print(generate_encryption_key())
        print("export it as KALSHI_CREDENTIALS_ENCRYPTION_KEY (and keep it secret: it unlocks every stored key)",
              file=sys.stderr)
        return 0
    settings, warehouse = _store_warehouse(args)
    try:
        if args.accounts_command == "list":
            if not Path(warehouse.path).exists():
                print("no accounts (no warehouse yet)")
                return 0
            with warehouse.connect(read_only=True) as con:
                from kalshi_platform.warehouse.trading_queries import table_exists

                accounts = store.list_accounts(con) if table_exists(con, store.TABLE) else []
            rows = [
                (a.user_name, a.key_id, a.environment, a.origin, a.key_fingerprint or "-",
                 "active" if a.active else f"revoked ({a.revoked_reason})",
                 a.created_at.isoformat(timespec="seconds"))
                for a in accounts if args.all or a.active
            ]
            if args.format == "json":
                keys = ("user", "key_id", "environment", "origin", "fingerprint", "status", "created_at")
                print(json.dumps([dict(zip(keys, r)) for r in rows], indent=2))
            else:
                _print_table(rows, ("user", "key id", "environment", "origin", "fingerprint", "status", "created"))
            return 0
        if args.accounts_command == "remove":
            with warehouse.connect() as con:
                active = store.remove_account(con, args.user)
            print(f"removed {args.user!r}: {active} active key(s) revoked, stored keys erased; "
                  f"{_sync_partitions([], [args.user])}")
            return 0
        cipher = load_cipher(settings.credentials_encryption_key)
        if args.accounts_command == "reencrypt":
            with warehouse.connect() as con:
                n = store.reencrypt_all(con, cipher)
            print(f"re-encrypted {n} stored key(s) with the first key of KALSHI_CREDENTIALS_ENCRYPTION_KEY")
            return 0
        key_id, pem, environment, origin = _new_key(args, settings)
        with warehouse.connect() as con:
            if args.accounts_command == "add":
                account = store.add_account(con, cipher, user=args.user, key_id=key_id, private_key_pem=pem,
                                            environment=environment, origin=origin, note=args.note)
            else:
                account = store.rotate_account(con, cipher, user=args.user, key_id=key_id, private_key_pem=pem,
                                               environment=environment, origin=origin)
        verb = "added" if args.accounts_command == "add" else "rotated"
        print(f"{verb} {account.user_name!r}: key {account.key_id} ({account.environment}, fingerprint "
              f"{account.key_fingerprint}), stored encrypted; {_sync_partitions([account.user_name], [])}")
        return 0
    except (store.AccountError, CredentialError) as exc:
        print(f"accounts: {exc}", file=sys.stderr)
        return 2


# ---------------------------------------------------------------- trading stats
def _money(value) -> str:
    return f"{value:,.2f}" if value is not None else "-"


def cmd_trading_stats(args: argparse.Namespace) -> int:
    """Orders by status, P&L, alerts by status (the seed's debug-stats)."""
    from kalshi_platform.settings import load_settings
    from kalshi_platform.warehouse.resource import Warehouse
    from kalshi_platform.warehouse.trading_queries import trading_stats

    settings = load_settings()
    path = args.db or settings.duckdb_path
    if not Path(path).exists():
        print(f"no warehouse at {path}: run `make run` first", file=sys.stderr)
        return 2
    with Warehouse(path, settings.snapshot_path).connect(read_only=True) as con:
        stats = trading_stats(con)
    sections = [
        ("signals", ("type", "signals", "actionable", "newest as_of"), stats.get("signals", [])),
        ("paper orders by status", ("mode", "status", "orders", "contracts", "filled", "notional $"),
         [(m, s, n, f"{c:f}".rstrip("0").rstrip("."), f"{f:f}".rstrip("0").rstrip("."), _money(x))
          for m, s, n, c, f, x in stats.get("orders", [])]),
        ("P&L by mode ($)", ("mode", "filled orders", "fees", "realized", "unrealized", "total", "wins", "losses"),
         [(m, n, _money(fe), _money(r), _money(u), _money(t), w, lo) for m, n, fe, r, u, t, w, lo in stats.get("pnl", [])]),
        ("order failures", ("mode", "status", "reason", "orders"),
         [(m, s, (r or "")[:90], n) for m, s, r, n in stats.get("failures", [])]),
        ("alerts by status", ("type", "status", "alerts", "attempts", "latest"),
         [(t, s, n, a, x.isoformat(timespec="seconds") if x else "-") for t, s, n, a, x in stats.get("alerts", [])]),
        ("alert reasons", ("status", "reason", "alerts"),
         [(s, (r or "")[:90], n) for s, r, n in stats.get("alert_reasons", [])]),
        ("accounts", ("user", "environment", "origin", "active keys", "keys"), stats.get("accounts", [])),
    ]
    for title, headers, rows in sections:
        print(f"{title}:")
        if rows:
            _print_table([tuple("-" if v is None else v for v in r) for r in rows], headers)
        else:
            print("  (none)")
        print()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kalshi-platform", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="materialize the whole asset graph, then print rows per table and time taken")
    run.add_argument("--partition", help="candlestick day to materialize (YYYY-MM-DD, default: yesterday by the source's clock, UTC)")
    run.set_defaults(func=cmd_run)

    stats = sub.add_parser("stats", help="row counts, freshest timestamps, rejects by reason")
    stats.add_argument("--db", help="warehouse file (default KALSHI_DUCKDB_PATH)")
    stats.add_argument("--limit", type=int, default=20, help="reasons to list")
    stats.set_defaults(func=cmd_stats)

    imp = sub.add_parser("import", help="load saved Kalshi REST responses (files or folders) into raw tables")
    imp.add_argument("paths", nargs="+", help="JSON files (one response each) or .jsonl (one per line), or folders")
    imp.add_argument("--db", default=os.environ.get("KALSHI_DUCKDB_PATH", "data/warehouse.duckdb"))
    imp.set_defaults(func=cmd_import)

    describe = sub.add_parser("describe", help="instrument fields of any ticker (even one never seen)")
    describe.add_argument("tickers", nargs="*", help="market tickers")
    describe.add_argument("--file", help="a file of tickers, one per line (first CSV column), or - for stdin")
    describe.add_argument("--format", choices=("table", "csv", "json"), default="table")
    describe.add_argument("--db", help="warehouse file (default KALSHI_DUCKDB_PATH)")
    describe.set_defaults(func=cmd_describe)

    search = sub.add_parser("search", help="search the instrument master")
    search.add_argument("text", help="words that must all appear in the ticker, display name or titles")
    search.add_argument("--category", help="e.g. Sports, Politics, Climate, Crypto, Parlays")
    search.add_argument("--status", help="open, closed, settled, unopened, or a market status like active")
    search.add_argument("--limit", type=int, default=20)
    search.add_argument("--offset", type=int, default=0)
    search.add_argument("--format", choices=("table", "csv", "json"), default="table")
    search.add_argument("--db", help="warehouse file (default KALSHI_DUCKDB_PATH)")
    search.set_defaults(func=cmd_search)

    sandbox = sub.add_parser("sandbox", help="the embedded exchange")
    sandbox_sub = sandbox.add_subparsers(dest="sandbox_command", required=True)
    serve = sandbox_sub.add_parser("serve", help="serve the embedded exchange on loopback")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--seed", type=int)
    serve.add_argument("--faults", help="fault spec (see SANDBOX_FAULTS)")
    serve.add_argument("--key", action="append", metavar="KEY_ID=PUBLIC_PEM",
                       help="register an API key's public key (repeatable)")
    serve.add_argument("--ws-port", type=int, default=8766,
                       help="port of the Kalshi WebSocket v2 API (0 = any free port, -1 = none)")
    serve.set_defaults(func=cmd_sandbox_serve)

    accounts = sub.add_parser("accounts", help="users' Kalshi API keys, stored encrypted (KALSHI_CREDENTIALS_ENCRYPTION_KEY)")
    accounts_sub = accounts.add_subparsers(dest="accounts_command", required=True)
    for name, text in (("add", "store a user's key (encrypted)"), ("rotate", "replace a user's key; the old one is revoked")):
        p = accounts_sub.add_parser(name, help=text)
        p.add_argument("user", help="a name for the account (letters, digits, _ . @ -)")
        p.add_argument("--key-id", help="the Kalshi API key id")
        p.add_argument("--private-key-file", help="the key's RSA private key (PEM); - reads stdin")
        p.add_argument("--environment", choices=("sandbox", "demo", "prod"),
                       help="the exchange that issued the key (default: KALSHI_ENV)")
        p.add_argument("--sandbox", action="store_true", help="let the embedded exchange issue a fresh key")
        if name == "add":
            p.add_argument("--note", help="free text shown in the account list")
        p.add_argument("--db", help="warehouse file (default KALSHI_DUCKDB_PATH)")
        p.set_defaults(func=cmd_accounts)
    listing = accounts_sub.add_parser("list", help="accounts and their keys (ids and fingerprints, never keys)")
    listing.add_argument("--all", action="store_true", help="include revoked keys")
    listing.add_argument("--format", choices=("table", "json"), default="table")
    listing.add_argument("--db", help="warehouse file (default KALSHI_DUCKDB_PATH)")
    listing.set_defaults(func=cmd_accounts)
    remove = accounts_sub.add_parser("remove", help="revoke every key of a user and erase them")
    remove.add_argument("user")
    remove.add_argument("--db", help="warehouse file (default KALSHI_DUCKDB_PATH)")
    remove.set_defaults(func=cmd_accounts)
    keygen = accounts_sub.add_parser("keygen", help="print a new KALSHI_CREDENTIALS_ENCRYPTION_KEY")
    keygen.set_defaults(func=cmd_accounts)
    reencrypt = accounts_sub.add_parser("reencrypt", help="re-encrypt every stored key with the first encryption key")
    reencrypt.add_argument("--db", help="warehouse file (default KALSHI_DUCKDB_PATH)")
    reencrypt.set_defaults(func=cmd_accounts)

    trading = sub.add_parser("trading", help="the paper-trading view")
    trading_sub = trading.add_subparsers(dest="trading_command", required=True)
    for parent, name in ((trading_sub, "stats"), (sub, "debug-stats")):
        stats_parser = parent.add_parser(name, help="orders by status, P&L, alerts by status, accounts")
        stats_parser.add_argument("--db", help="warehouse file (default KALSHI_DUCKDB_PATH)")
        stats_parser.set_defaults(func=cmd_trading_stats)
    return parser


def main(argv: list[str] | None = None) -> int:
    from kalshi_platform.settings import SettingsError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
