"""Kalshi WebSocket v2: signed connections, subscriptions, gap repair, reconnects, bounded captures."""

from kalshi_platform.clients.kalshi_ws.client import (
    CHANNELS,
    KALSHI_WS_URLS,
    RECONNECT_POLICY,
    WS_PATH,
    CaptureResult,
    ConnectionStats,
    Frame,
    KalshiWsCapture,
    KalshiWsConnection,
    plan_subscriptions,
    reconnect_delay,
    share_markets,
)

__all__ = [
    "CHANNELS",
    "KALSHI_WS_URLS",
    "RECONNECT_POLICY",
    "WS_PATH",
    "CaptureResult",
    "ConnectionStats",
    "Frame",
    "KalshiWsCapture",
    "KalshiWsConnection",
    "plan_subscriptions",
    "reconnect_delay",
    "share_markets",
]
