"""httpx transport into the embedded exchange: clients use it with ``base_url=SANDBOX_KALSHI_BASE_URL``."""

from __future__ import annotations

import httpx

from kalshi_platform.sandbox.exchange import SandboxExchange, SandboxRequest, SandboxTimeout, parse_query

SANDBOX_KALSHI_BASE_URL = "http://kalshi.sandbox/trade-api/v2"


class SandboxTransport(httpx.BaseTransport):
    def __init__(self, exchange: SandboxExchange) -> None:
        self.exchange = exchange

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        raw_path = request.url.raw_path.decode("ascii")
        path, _, query = raw_path.partition("?")
        sandbox_request = SandboxRequest(
            method=request.method,
            path=path,
            query=parse_query(query),
            headers={k.decode("latin-1").lower(): v.decode("latin-1") for k, v in request.headers.raw},
            body=request.read(),
            host=request.url.host,
        )
        try:
            response = self.exchange.handle(sandbox_request)
        except SandboxTimeout as exc:
            # In-process there is nothing to wait for: fail at once the way a client's read timeout would.
            raise httpx.ReadTimeout(str(exc), request=request) from None
        return httpx.Response(response.status, headers=response.headers, content=response.body, request=request)
