"""The BTC edge engine's pure logic: composite spot, sigma, contracts, GBM probabilities, edges and
15-minute signals. No I/O: every function takes frames or plain values, so backtests can reuse them."""
