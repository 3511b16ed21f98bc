"""NBA player props: sportsbook lines from The Odds API, and Kalshi's ladders against them."""

from datetime import UTC, datetime, timedelta

import dagster as dg
import polars as pl

from kalshi_platform.clients.http import AuthError, HttpError, NotFoundError
from kalshi_platform.core.props.kalshi import prop_rungs
from kalshi_platform.core.props.signals import build_prop_lines
from kalshi_platform.core.props.sportsbook import EVENTS_SCHEMA, NATURAL_KEY, parse_event_odds, parse_events
from kalshi_platform.core.rejects import make_reject, rejects_frame
from kalshi_platform.defs.common import DUCKDB_WRITE_POOL, markdown_preview, open_batch, table_result
from kalshi_platform.defs.nba_props.resources import NbaPropsConfig, OddsApiResource
from kalshi_platform.defs.resources import KalshiApiResource
from kalshi_platform.warehouse import props_queries, writes
from kalshi_platform.warehouse.resource import WarehouseResource

GROUP = "nba_props"
PROPS_TABLE = "raw.sportsbook_props"
REQUESTS_TABLE = "raw.sportsbook_requests"
LINES_TABLE = "signals.nba_prop_lines"
LINES_KEY = ["as_of", "game_id", "player_lookup", "stat"]
PROPS_KEY = dg.AssetKey(["raw", "sportsbook_props"])
REQUESTS_KEY = dg.AssetKey(["raw", "sportsbook_requests"])
EVENTS_KEY = dg.AssetKey(["raw", "sportsbook_events"])
EVENTS_TABLE = "raw.sportsbook_events"
LINES_KEY_ASSET = dg.AssetKey(["signals", "nba_prop_lines"])

_REQUEST_SCHEMA = {
    "batch_id": pl.String, "seq": pl.Int32, "requested_at": pl.Datetime("us", "UTC"), "method": pl.String,
    "path": pl.String, "params": pl.String, "status": pl.Int32, "requests_remaining": pl.Int64,
    "requests_used": pl.Int64, "requests_last": pl.Int64,
}


def _as_result(key: dg.AssetKey, result: dg.MaterializeResult) -> dg.MaterializeResult:
    return dg.MaterializeResult(asset_key=key, metadata=result.metadata)


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            PROPS_KEY, group_name=GROUP, kinds={"duckdb", "polars"},
            description=(
                "Sportsbook player props from The Odds API v4 (points, rebounds, assists, threes, blocks, "
                "steals; American odds): one row per book, player, market, side and line of every NBA game "
                "tipping off within NBA_PROPS_LOOKAHEAD_HOURS. Each fetch replaces the rows of the games it "
                "read, so a game keeps its closing lines after tip-off."
            ),
        ),
        dg.AssetSpec(
            EVENTS_KEY, group_name=GROUP, kinds={"duckdb", "polars"},
            description="The Odds API's NBA event list (free): live and upcoming games with their tip-off, latest "
                        "state per event; it tells which games are under way.",
        ),
        dg.AssetSpec(
            REQUESTS_KEY, group_name=GROUP, kinds={"duckdb", "polars"},
            description="Every request to The Odds API (retries included) with the quota it reported "
                        "(x-requests-remaining / -used / -last).",
        ),
    ],
    pool=DUCKDB_WRITE_POOL,
)
def sportsbook_props(context: dg.AssetExecutionContext, warehouse: WarehouseResource, odds_api: OddsApiResource):
    """Events, then each event's player props, from The Odds API; unreadable records go to raw.rejects."""
    with open_batch(warehouse, PROPS_TABLE) as batch:
        fetched_at = datetime.now(UTC)
        payloads: list[dict] = []
        listed: list[dict] = []
        requests: list = []
        events = pl.DataFrame(schema=EVENTS_SCHEMA)
        if odds_api.key() is None:
            batch.incomplete("ODDS_API_KEY is not set: no sportsbook lines fetched (The Odds API needs a key)")
            context.log.warning("ODDS_API_KEY is not set; skipping The Odds API")
        else:
            now = odds_api.now()
            horizon = now + timedelta(hours=odds_api.lookahead_hours)
            with odds_api.client(batch.reject_log) as client:
                try:
                    listed = client.get_events()  # free: every live and upcoming game
                except AuthError as exc:
                    _record_requests(batch, client.requests)
                    raise dg.Failure(f"The Odds API refused the key (ODDS_API_KEY): {exc}") from None
                except HttpError as exc:
                    batch.incomplete(f"events: {exc}")
                events, event_rejects = parse_events(listed, fetched_at=fetched_at, batch_id=batch.batch_id)
                if events.height:
                    writes.upsert(batch.con, EVENTS_TABLE, events, key=["event_id"])
                batch.write_rejects([event_rejects])
                # Props only for games not yet started and tipping off within the lookahead (each costs quota).
                upcoming = events.filter((pl.col("commence_time") > now) & (pl.col("commence_time") <= horizon))
                for event_id in upcoming.sort("commence_time", "event_id").get_column("event_id").to_list():
                    try:
                        payloads.append(client.get_event_odds(
                            event_id, regions=odds_api.regions, bookmakers=odds_api.bookmakers))
                    except NotFoundError:
                        batch.notes.append(f"event {event_id} no longer listed")
                    except AuthError as exc:
                        _record_requests(batch, client.requests)
                        raise dg.Failure(f"The Odds API refused the key (ODDS_API_KEY): {exc}") from None
                    except HttpError as exc:
                        batch.incomplete(f"odds of event {event_id}: {exc}")
                requests = client.requests
        parsed = parse_event_odds(payloads, fetched_at=fetched_at, batch_id=batch.batch_id)
        rows = parsed.rows
        read = sorted({p["id"] for p in payloads if isinstance(p, dict) and isinstance(p.get("id"), str)}
                      | set(rows.get_column("event_id").unique().to_list()))
        if read:
            writes.replace_partition(batch.con, PROPS_TABLE, rows, "event_id", read)
        batch.rows_written = rows.height
        batch.write_rejects([parsed.rejects])
        request_rows = _record_requests(batch, requests)
        quota = request_rows.drop_nulls("requests_remaining").tail(1)
        extra = {
            "events_listed": dg.MetadataValue.int(len(listed)),
            "events_read": dg.MetadataValue.int(len(read)),
            "games": dg.MetadataValue.json(sorted(rows.get_column("game_id").drop_nulls().unique().to_list())),
            "books": dg.MetadataValue.json(sorted(rows.get_column("bookmaker").unique().to_list())),
            "players": dg.MetadataValue.int(rows.get_column("player_lookup").n_unique() if rows.height else 0),
            "outcomes_seen": dg.MetadataValue.int(parsed.outcomes_seen),
            "quota_cost_this_run": dg.MetadataValue.int(int(request_rows.get_column("requests_last").sum() or 0)),
        }
        if quota.height:
            extra["quota_remaining"] = dg.MetadataValue.int(int(quota.item(0, "requests_remaining")))
            extra["quota_used"] = dg.MetadataValue.int(int(quota.item(0, "requests_used")))
        yield _as_result(PROPS_KEY, table_result(batch, PROPS_TABLE, rows.drop("raw_json"), extra=extra))
        yield _as_result(EVENTS_KEY, table_result(batch, EVENTS_TABLE, events.drop("raw_json")))
        yield _as_result(REQUESTS_KEY, table_result(batch, REQUESTS_TABLE, request_rows))


def _record_requests(batch, requests) -> pl.DataFrame:
    frame = pl.DataFrame(
        [
            {"batch_id": batch.batch_id, "seq": i, "requested_at": r.requested_at, "method": r.method, "path": r.path,
             "params": r.params, "status": r.status, "requests_remaining": r.requests_remaining,
             "requests_used": r.requests_used, "requests_last": r.requests_last}
            for i, r in enumerate(requests)
        ],
        schema=_REQUEST_SCHEMA,
    )
    if frame.height:
        writes.upsert(batch.con, REQUESTS_TABLE, frame, key=["batch_id", "seq"])
    return frame


@dg.asset(
    key=["signals", "nba_prop_lines"],
    group_name=GROUP,
    kinds={"duckdb", "polars"},
    pool=DUCKDB_WRITE_POOL,
    deps=[PROPS_KEY, EVENTS_KEY, dg.AssetKey(["core", "quotes_latest"]), dg.AssetKey(["raw", "kalshi_markets"]),
          dg.AssetKey(["raw", "kalshi_series"])],
    description=(
        "Per snapshot, game, player and stat: every book's line and odds, the consensus line and its "
        "power-method fair over probability, the best lines; Kalshi's ladder (threshold, yes/no bid and ask, "
        "liquidity, ticker), the threshold closest to the consensus and its prices, Kalshi's implied 50% line, "
        "line_discrepancy, the fee-adjusted probability gap and an arbitrage flag. Players on one side only "
        "are kept (match_status) and listed in the metadata. Snapshots accumulate (as_of)."
    ),
)
def nba_prop_lines(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    kalshi: KalshiApiResource,
    nba_props: NbaPropsConfig,
) -> dg.MaterializeResult:
    """Sportsbook lines of games not yet started, joined to Kalshi's open ladders of the same games."""
    as_of = kalshi.now()
    with open_batch(warehouse, LINES_TABLE) as batch:
        con = batch.con
        started = props_queries.started_games(con, as_of)
        books = props_queries.upcoming_sportsbook_rows(con, as_of)
        rungs, unreadable = prop_rungs(props_queries.open_prop_markets(con, as_of))
        if started:
            rungs = rungs.filter(~pl.col("game_id").is_in(started))
        result = build_prop_lines(books, rungs, as_of=as_of, params=nba_props.params(),
                                  games=props_queries.known_games(con))
        rows = result.rows.with_columns(pl.lit(batch.batch_id).alias("batch_id"))
        if rows.height:
            writes.upsert(con, LINES_TABLE, rows, key=LINES_KEY)
        batch.rows_written = rows.height
        batch.write_rejects([_unreadable_rejects(unreadable, batch.batch_id)])
        unmatched = result.unmatched
        counts = rows.group_by("match_status").len().sort("match_status")
        flagged = rows.filter(pl.col("arbitrage")).sort("fee_adjusted_gap", descending=True, nulls_last=True)
        extra = {
            "as_of": as_of.isoformat(),
            "games": dg.MetadataValue.json(sorted(rows.get_column("game_id").unique().to_list())),
            "rows_by_match_status": dg.MetadataValue.json(dict(counts.iter_rows())),
            "arbitrage_flags": dg.MetadataValue.int(flagged.height),
            "unmatched_players_count": dg.MetadataValue.int(unmatched.height),
            "unmatched_players": dg.MetadataValue.json([
                {"game_id": r["game_id"], "player_lookup": r["player_lookup"], "side": r["match_status"],
                 "names": r["kalshi_names"] or r["sportsbook_names"]}
                for r in unmatched.head(500).iter_rows(named=True)
            ]),
            "arbitrage_preview": markdown_preview(flagged.select(
                "game_id", "player_name", "stat", "consensus_line", "kalshi_implied_line", "line_discrepancy",
                "kalshi_market_ticker", "model_prob", "kalshi_yes_price", "fee_adjusted_gap", "arbitrage_reason",
            ), rows=10, max_columns=11),
        }
        return table_result(batch, LINES_TABLE, rows.drop("books", "ladder"), extra=extra)


def _unreadable_rejects(unreadable: pl.DataFrame, batch_id: str) -> pl.DataFrame:
    if unreadable.is_empty():
        return rejects_frame([])
    now = datetime.now(UTC)
    return rejects_frame([
        make_reject(source="warehouse raw.kalshi_markets (NBA prop series)", kind="kalshi_prop_market",
                    reason=r["reason"], body=str({k: r.get(k) for k in ("ticker", "title", "floor_strike")}),
                    fetched_at=now, batch_id=batch_id, natural_key=r["ticker"])
        for r in unreadable.iter_rows(named=True)
    ])


@dg.asset_check(asset=PROPS_KEY, blocking=True,
                description="Every stored price is American odds (<= -100 or >= +100), every line >= 0, "
                            "and no book lists a player's line twice on one side.")
def sportsbook_props_valid(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.connect(read_only=True) as con:
        bad_price, bad_point = con.execute(
            f"SELECT count(*) FILTER (WHERE price_american > -100 AND price_american < 100), "
            f"count(*) FILTER (WHERE point < 0 OR point IS NULL) FROM {PROPS_TABLE}"
        ).fetchall()[0]
        dupes = con.execute(
            f"SELECT count(*) FROM (SELECT {', '.join(NATURAL_KEY)} FROM {PROPS_TABLE} "
            f"GROUP BY ALL HAVING count(*) > 1)"
        ).fetchall()[0][0]
    return dg.AssetCheckResult(
        passed=bad_price == 0 and bad_point == 0 and dupes == 0,
        metadata={"impossible_prices": int(bad_price), "bad_lines": int(bad_point), "duplicate_keys": int(dupes)},
    )


@dg.asset_check(asset=LINES_KEY_ASSET, description=(
    "The newest snapshot has rows for every game the sportsbooks list as upcoming, and each of those games "
    "has at least one player and stat joined to a Kalshi ladder."))
def nba_prop_lines_cover_games(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.connect(read_only=True) as con:
        coverage = props_queries.prop_line_coverage(con)
    listed = coverage.filter(pl.col("listed_by_sportsbooks"))
    # A game whose props Kalshi has not opened yet cannot join; it is reported, not failed.
    on_both = listed.filter(pl.col("listed_by_kalshi"))
    missing = on_both.filter(pl.col("matched") == 0).get_column("game_id").to_list()
    not_on_kalshi = listed.filter(~pl.col("listed_by_kalshi")).get_column("game_id").to_list()
    return dg.AssetCheckResult(
        passed=not missing,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "games_listed_by_sportsbooks": listed.height,
            "games_without_a_joined_prop": dg.MetadataValue.json(missing),
            "games_not_open_on_kalshi_yet": dg.MetadataValue.json(not_on_kalshi),
            "coverage": markdown_preview(coverage, rows=30),
        },
    )


ASSETS = [sportsbook_props, nba_prop_lines]
CHECKS = [sportsbook_props_valid, nba_prop_lines_cover_games]
