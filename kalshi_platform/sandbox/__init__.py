"""The embedded Kalshi exchange: a deterministic simulated world served over Kalshi's REST v2 wire
format, in-process (``SandboxTransport``) or on loopback (``LoopbackServer``)."""

from kalshi_platform.sandbox.clock import ManualClock
from kalshi_platform.sandbox.exchange import (
    SandboxConfig,
    SandboxExchange,
    SandboxRequest,
    SandboxResponse,
    SandboxTimeout,
)
from kalshi_platform.sandbox.faults import PRESETS, FaultSpec, parse_fault_spec
from kalshi_platform.sandbox.routes import Route
from kalshi_platform.sandbox.server import LoopbackServer, serve_forever
from kalshi_platform.sandbox.transport import SANDBOX_KALSHI_BASE_URL, SandboxTransport
from kalshi_platform.sandbox.world import KalshiWorld

__all__ = [
    "PRESETS",
    "SANDBOX_KALSHI_BASE_URL",
    "FaultSpec",
    "KalshiWorld",
    "LoopbackServer",
    "ManualClock",
    "Route",
    "SandboxConfig",
    "SandboxExchange",
    "SandboxRequest",
    "SandboxResponse",
    "SandboxTimeout",
    "SandboxTransport",
    "parse_fault_spec",
    "serve_forever",
]
