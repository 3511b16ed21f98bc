{{ config(enabled=kalshi_has('signals.nba_prop_lines')) }}
{{ kalshi_require_columns(source('signals', 'nba_prop_lines'), [
    'as_of', 'game_id', 'game_date', 'player_lookup', 'player_name', 'team', 'stat',
    'n_books', 'consensus_line', 'consensus_over_prob', 'kalshi_available', 'kalshi_line',
    'kalshi_implied_line', 'kalshi_market_ticker', 'kalshi_yes_price', 'kalshi_no_price',
    'kalshi_liquidity', 'line_discrepancy', 'fee_adjusted_gap', 'arbitrage', 'arbitrage_reason']) }}
-- Kalshi's player-prop ladders against the sportsbooks, newest snapshot of each player, game and
-- stat with a Kalshi market: the consensus line next to Kalshi's implied 50% line, the gap between
-- them, the after-fee probability gap and the arbitrage flag. Biggest discrepancy first.
with latest as (
    select *
    from {{ source('signals', 'nba_prop_lines') }}
    qualify as_of = max(as_of) over (partition by game_id, player_lookup, stat)
)

select
    as_of,
    game_id,
    game_date,
    player_name,
    player_lookup,
    team,
    stat,
    n_books,
    consensus_line,
    consensus_over_prob,
    kalshi_line,
    kalshi_implied_line,
    kalshi_market_ticker,
    kalshi_yes_price,
    kalshi_no_price,
    kalshi_liquidity,
    line_discrepancy,
    abs(line_discrepancy) as abs_line_discrepancy,
    fee_adjusted_gap,
    arbitrage,
    arbitrage_reason
from latest
where kalshi_available
order by abs(line_discrepancy) desc nulls last, fee_adjusted_gap desc nulls last
