"""The exchange on loopback HTTP, for `kalshi-platform sandbox serve` and for tests of real sockets."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from kalshi_platform.sandbox.exchange import SandboxExchange, SandboxRequest, SandboxTimeout, parse_query


def _handler_for(exchange: SandboxExchange) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "KalshiSandbox/1.0"
        # Headers and body go out in two writes; without TCP_NODELAY, Nagle + delayed ACK add ~40 ms each.
        disable_nagle_algorithm = True

        def _serve(self) -> None:
            path, _, query = self.path.partition("?")
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            request = SandboxRequest(
                method=self.command, path=path, query=parse_query(query),
                headers={k.lower(): v for k, v in self.headers.items()}, body=body,
                host=self.headers.get("host", ""),
            )
            try:
                response = exchange.handle(request)
            except SandboxTimeout:
                # Hold the connection like a stuck upstream, then hang up without an answer.
                time.sleep(exchange.config.timeout_hold_s)
                self.close_connection = True
                return
            self.send_response(response.status)
            for k, v in response.headers.items():
                self.send_header(k, v)
            self.send_header("content-length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)

        do_GET = do_POST = do_DELETE = do_PUT = _serve

        def log_message(self, format: str, *args) -> None:  # noqa: A002 - quiet by default
            pass

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a held (timed-out) request must not block shutdown
    allow_reuse_address = True


class LoopbackServer:
    """Context manager: the exchange on 127.0.0.1 (port 0 = any free port) in a daemon thread."""

    def __init__(self, exchange: SandboxExchange, host: str = "127.0.0.1", port: int = 0) -> None:
        self.exchange = exchange
        self._server = _Server((host, port), _handler_for(exchange))
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/trade-api/v2"

    def start(self) -> LoopbackServer:
        self._thread = threading.Thread(target=self._server.serve_forever, name="sandbox-loopback", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def serve_forever(exchange: SandboxExchange, host: str = "127.0.0.1", port: int = 8765) -> None:
    """Serve until interrupted (blocking)."""
    server = _Server((host, port), _handler_for(exchange))
    print(f"kalshi sandbox serving on http://{host}:{server.server_address[1]}/trade-api/v2", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
