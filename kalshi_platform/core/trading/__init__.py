"""Paper trading, pure: which signals become orders, at what price and size, and where they may go.

- ``config``: trading profiles (fractional Kelly caps), BOT_MODE presets, key profiles, the real-money gate;
- ``engine``: gating, cooldown, per-cycle cap, limit price clamp and sizing over a frame of signals;
- ``signals``: the signals contract and the union of every signal table into one stream;
- ``portfolio``: Kalshi portfolio payloads (balance, positions, fills, settlements) -> typed rows;
- ``pnl``: an order's fill and profit from its fills and the market's result.
"""
