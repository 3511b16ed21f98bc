"""The Kalshi WebSocket capture resource: where to connect, with which keys, for how long."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

from kalshi_platform.clients.http import RetryPolicy
from kalshi_platform.clients.kalshi.auth import KalshiSigner, generate_key_pair
from kalshi_platform.clients.kalshi_ws import CHANNELS, KALSHI_WS_URLS, KalshiWsCapture
from kalshi_platform.defs.resources import SourceResource
from kalshi_platform.settings import Settings, SettingsError


def parse_channels(text: str, variable: str = "KALSHI_WS_CHANNELS") -> list[str]:
    items = list(dict.fromkeys(c.strip().lower() for c in text.split(",") if c.strip()))
    bad = [c for c in items if c not in CHANNELS]
    if bad or not items:
        raise SettingsError(f"{variable}={text!r} is not valid; accepted: a comma-separated subset of {', '.join(CHANNELS)}")
    return items


def parse_key_pairs(text: str | None, variable: str = "KALSHI_WS_API_KEYS") -> list[tuple[str, str]]:
    """``key_id=/path/key.pem,key2=/path/key2.pem`` -> [(key id, path)], each file checked to exist."""
    pairs = []
    for item in (text or "").split(","):
        if not item.strip():
            continue
        key_id, sep, path = item.strip().partition("=")
        if not sep or not key_id.strip() or not path.strip():
            raise SettingsError(f"{variable}: {item.strip()!r} is not key_id=/path/to/key.pem")
        if not Path(path.strip()).is_file():
            raise SettingsError(f"{variable}: key file {path.strip()!r} for {key_id.strip()!r} does not exist")
        pairs.append((key_id.strip(), path.strip()))
    return pairs


def check_settings(settings: Settings) -> None:
    """Fail at start, naming the variable, on a value the capture could not use."""
    from kalshi_platform.sandbox.kalshi_ws import parse_ws_faults

    parse_channels(settings.ws_channels)
    parse_key_pairs(settings.ws_api_keys)
    if settings.ws_url and not settings.ws_url.startswith(("ws://", "wss://")):
        raise SettingsError(f"KALSHI_WS_URL={settings.ws_url!r} must start with ws:// or wss://")
    try:
        parse_ws_faults(settings.sandbox_ws_faults)
    except ValueError as exc:
        raise SettingsError(f"SANDBOX_WS_FAULTS={settings.sandbox_ws_faults!r}: {exc}") from None


class KalshiStreamResource(SourceResource):
    """Kalshi WebSocket v2. ``env=sandbox``: a loopback server over the embedded exchange (the same
    world as REST), started for the capture window; demo/prod: the real host, with the API key(s)."""

    ws_url: str | None = None
    api_key_id: str | None = None
    private_key_path: str | None = None
    extra_keys: str | None = None
    capture_seconds: float = 5.0
    markets: int = 20
    connections: int = 2
    channels: str = ",".join(CHANNELS)
    sandbox_ws_speed: float = 60.0
    sandbox_ws_faults: str = "none"
    reconnect_base_s: float = 1.0
    verify_grace_s: float = 0.5

    @property
    def url(self) -> str | None:
        return self.ws_url or KALSHI_WS_URLS.get(self.env)

    def channel_list(self) -> list[str]:
        return parse_channels(self.channels)

    def _user_signers(self) -> list[KalshiSigner]:
        signers = []
        if self.api_key_id and self.private_key_path:
            signers.append(KalshiSigner.from_pem_file(self.api_key_id, self.private_key_path))
        for key_id, path in parse_key_pairs(self.extra_keys):
            signers.append(KalshiSigner.from_pem_file(key_id, path))
        return signers

    @contextmanager
    def capture(self, capture_id: str, markets: list[str]) -> Iterator[tuple[KalshiWsCapture, dict]]:
        """A running capture of ``markets`` (and the sandbox server behind it, if any)."""
        reconnect = RetryPolicy(max_attempts=1000, base_delay_s=self.reconnect_base_s, max_delay_s=60.0,
                                max_total_s=24 * 3600.0)
        info: dict = {"env": self.env}
        server = None
        if self.env == "sandbox" and not self.ws_url:
            from kalshi_platform.sandbox.kalshi_ws import KalshiWsServer, WsServerConfig, parse_ws_faults

            exchange = self.exchange()
            signers: list[KalshiSigner | None] = list(self._user_signers()[: self.connections])
            for signer in signers:
                exchange.register_key(signer.key_id, signer.public_key_pem())
            while len(signers) < self.connections:
                # The sandbox's own keys: one per connection, as on Kalshi (one connection per key).
                private_pem, public_pem = generate_key_pair()
                key_id = f"ws-capture-{uuid.uuid4()}"
                exchange.register_key(key_id, public_pem)
                signers.append(KalshiSigner(key_id, private_pem))
            # The stream starts behind the exchange and catches up with a quarter of the window to spare,
            # so the books reach the instant REST serves before the window closes (a re-quote landing on
            # that very instant would otherwise be missed).
            config = WsServerConfig(speed=self.sandbox_ws_speed,
                                    lead_s=0.75 * self.capture_seconds * self.sandbox_ws_speed,
                                    faults=parse_ws_faults(self.sandbox_ws_faults))
            server = KalshiWsServer(exchange, config).start()
            url = server.url
            info.update(sandbox_speed=self.sandbox_ws_speed, sandbox_faults=self.sandbox_ws_faults)
        else:
            url = self.url
            if url is None:
                raise ValueError(f"no WebSocket URL for KALSHI_ENV={self.env!r}; set KALSHI_WS_URL")
            signers = list(self._user_signers()[: self.connections]) or [None]
        info.update(url=url, connections=len(signers), signed=sum(s is not None for s in signers))
        capture = KalshiWsCapture(url, markets=markets, capture_id=capture_id, channels=self.channel_list(),
                                  signers=signers, reconnect=reconnect)
        try:
            with capture:
                yield capture, info
        finally:
            if server is not None:
                info["server"] = server.stats.as_dict()
                server.stop()

    @classmethod
    def from_settings(cls, settings: Settings) -> "KalshiStreamResource":
        return cls(
            **cls.source_settings(settings),
            ws_url=settings.ws_url,
            api_key_id=settings.api_key_id,
            private_key_path=settings.private_key_path,
            extra_keys=settings.ws_api_keys,
            capture_seconds=settings.ws_capture_seconds,
            markets=settings.ws_markets,
            connections=settings.ws_connections,
            channels=settings.ws_channels,
            sandbox_ws_speed=settings.sandbox_ws_speed,
            sandbox_ws_faults=settings.sandbox_ws_faults,
        )
