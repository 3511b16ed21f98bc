"""Kalshi Trade API v2: request signing and the REST client."""

from kalshi_platform.clients.kalshi.auth import KalshiKeyError, KalshiSigner, generate_key_pair, verify_signature
from kalshi_platform.clients.kalshi.client import KALSHI_BASE_URLS, KalshiClient, PageResult

__all__ = [
    "KALSHI_BASE_URLS",
    "KalshiClient",
    "KalshiKeyError",
    "KalshiSigner",
    "PageResult",
    "generate_key_pair",
    "verify_signature",
]
