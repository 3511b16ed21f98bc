"""`kalshi-platform sandbox serve`: REST and the WebSocket API on loopback, over one exchange."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from kalshi_platform.clients.kalshi.auth import KalshiSigner, generate_key_pair


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(port: int, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"nothing listening on port {port}")


@pytest.fixture
def served(tmp_path):
    private_pem, public_pem = generate_key_pair()
    (tmp_path / "key.pub.pem").write_bytes(public_pem)
    rest, ws = _free_port(), _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "kalshi_platform.cli", "sandbox", "serve", "--port", str(rest), "--ws-port", str(ws),
         "--faults", "none", "--key", f"serve-key={tmp_path / 'key.pub.pem'}"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        _wait_for(rest)
        _wait_for(ws)
        yield rest, ws, KalshiSigner("serve-key", private_pem)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_rest_and_websocket_are_served_over_one_exchange(served):
    rest, ws, signer = served
    reply = httpx.get(f"http://127.0.0.1:{rest}/trade-api/v2/markets", params={"limit": 3, "status": "open"})
    assert reply.status_code == 200 and len(reply.json()["markets"]) == 3
    ticker = reply.json()["markets"][0]["ticker"]
    url = f"ws://127.0.0.1:{ws}/trade-api/ws/v2"
    # A key the exchange does not know is refused; the one registered with --key signs the handshake.
    stranger_pem, _ = generate_key_pair()
    stranger = KalshiSigner("not-registered", stranger_pem)
    with pytest.raises(InvalidStatus):
        connect(url, additional_headers=stranger.headers("GET", "/trade-api/ws/v2"), open_timeout=10).close()
    headers = signer.headers("GET", "/trade-api/ws/v2")
    with connect(url, additional_headers=headers, open_timeout=10) as conn:
        conn.send('{"id": 1, "cmd": "subscribe", "params": {"channels": ["orderbook_delta"], "market_tickers": ["%s"]}}'
                  % ticker)
        types: set[str] = set()
        deadline = time.monotonic() + 10
        while "orderbook_snapshot" not in types and time.monotonic() < deadline:
            types.add(json.loads(conn.recv(timeout=10))["type"])
    assert {"subscribed", "orderbook_snapshot"} <= types
