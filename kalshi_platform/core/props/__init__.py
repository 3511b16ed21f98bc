"""NBA player props, pure logic: sportsbook odds against Kalshi ladders.

- ``names``: one ``player_lookup`` key for both sources, and the matched / unmatched players;
- ``teams``: team names and Kalshi's game id (``26NOV20CLESAC``);
- ``odds``: American odds -> implied probability (exact), power-method de-vig;
- ``sportsbook``: The Odds API v4 payloads -> ``raw.sportsbook_props`` rows and rejects;
- ``kalshi``: Kalshi prop markets -> ladder rungs;
- ``lines``: each book's main line, the consensus line and probability, the best lines;
- ``ladder``: Kalshi's implied 50% line and the threshold closest to a line;
- ``distribution``: a counting stat's distribution, to carry a probability from one line to another;
- ``signals``: the comparison row per player, game and stat (``signals.nba_prop_lines``).
"""
