"""The threaded HTTP/1.1 server (keep-alive) that hosts the sandbox `App`.

`http.server` is used instead of wsgiref on purpose: wsgiref (like Django's
runserver, gunicorn >= 22 and nginx by default) drops header names containing
underscores, and Chatwoot's `api_access_token` must arrive (see
vendor-contracts.md, "Header names that contain underscores get dropped").
"""

from __future__ import annotations

import select
import signal
import socket
import socketserver
import struct
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .app import App
from .schema import preload
from .wire import Response, json_response

DEFAULT_HOST, DEFAULT_PORT, DEFAULT_SEED = "127.0.0.1", 8765, 42


class BodyError(Exception):
    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


class SandboxHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: every answer carries Content-Length
    server_version = "hotdash-sandbox/1.0"
    sys_version = ""
    disable_nagle_algorithm = True
    timeout = 30  # idle keep-alive connections are closed after this many seconds
    server: SandboxServer

    def version_string(self) -> str:
        return self.server_version

    def _dispatch(self) -> None:
        path, _, raw_query = self.path.partition("?")
        try:
            body = self._read_body(self.server.app.body_limit(path))
        except BodyError as exc:
            self.close_connection = True
            self._write(exc.response)
            return
        resp = self.server.app.handle(self.command, path, raw_query, self.headers, body)
        if resp.action == "reset":
            self._reset_connection()
        elif resp.action == "stream":
            self._stream(resp)
        elif resp.action == "hang":
            self.server.app.ctx.sleep(resp.hang_s)
            self.close_connection = True
        else:
            self._write(resp)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _dispatch

    def _read_body(self, limit: int) -> bytes:
        """The request body (Content-Length or chunked). Raises BodyError (400/413)."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked(limit)
        raw = self.headers.get("Content-Length") or "0"
        if not raw.strip().isdigit():
            raise BodyError(json_response(400, {"error": "bad_request", "detail": "bad length"}))
        length = int(raw)
        if length > limit:
            raise BodyError(_too_large(limit))
        return self.rfile.read(length) if length else b""

    def _read_chunked(self, limit: int) -> bytes:
        chunks, total = [], 0
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(chunks)
            total += size
            if total > limit:
                raise BodyError(_too_large(limit))
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

    def _write(self, resp: Response) -> None:
        self.send_response(resp.status)
        for key, value in resp.headers:
            self.send_header(key, value)
        self.send_header("Content-Length", "0" if self.command == "HEAD" else str(len(resp.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and resp.body:
            self.wfile.write(resp.body)

    def _stream(self, resp: Response) -> None:
        """Write `resp.chunks` as they come (chunked encoding, for Server-Sent Events).

        An empty chunk is an idle tick: the stream ends when the client has gone.
        The connection is closed afterwards; the iterator is always closed.
        """
        chunks = resp.chunks
        self.close_connection = True
        self.send_response(resp.status)
        for key, value in resp.headers:
            self.send_header(key, value)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for chunk in chunks:
                if chunk:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                elif self._client_gone():
                    return
            self.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass  # the client left while we wrote
        finally:
            chunks.close()

    def _client_gone(self) -> bool:
        """True once the client closed its side (readable with nothing to read)."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def _reset_connection(self) -> None:
        """Close with SO_LINGER 0 so the peer sees a TCP RST, not a clean FIN."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib signature
        if self.server.verbose:
            sys.stderr.write(f"{self.address_string()} - {format % args}\n")

    def log_error(self, format: str, *args) -> None:  # noqa: A002 - stdlib signature
        # An idle keep-alive connection reaching `timeout` is routine, not an error.
        if format.startswith("Request timed out"):
            return
        self.log_message(format, *args)


def _too_large(limit: int) -> Response:
    detail = f"request body exceeds {limit} bytes"
    return json_response(413, {"error": "payload_too_large", "detail": detail})


class SandboxServer(ThreadingHTTPServer):
    """Thread per connection; `stop()` ends serving, wakes hung requests and closes the socket."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, host: str, port: int, seed: int = DEFAULT_SEED, verbose: bool = False):
        self.app = App(seed)
        self.verbose = verbose
        preload()  # Shopify's schema (~1 s), before the port answers
        super().__init__((host, port), SandboxHandler)

    def handle_error(self, request, client_address) -> None:
        # A client that gave up (timeout, reset) is normal under fault injection: stay quiet.
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn(), which can stall on reverse DNS.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def start_background(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name="vendor-sandbox", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self.app.ctx.stop.set()
        self.shutdown()
        self.server_close()


def start_server(
    host: str = DEFAULT_HOST, port: int = 0, seed: int = DEFAULT_SEED
) -> SandboxServer:
    """Bind (port 0: a free port), serve in a daemon thread, return the server (`.url`, `.stop()`)."""
    server = SandboxServer(host, port, seed)
    server.start_background()
    return server


def run(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    seed: int = DEFAULT_SEED,
    verbose: bool = True,
) -> None:
    """Serve in the foreground until Ctrl-C or SIGTERM."""
    server = SandboxServer(host, port, seed, verbose=verbose)
    _stop_on_signals()
    print(f"Vendor sandbox listening on {server.url} (seed {seed}); Ctrl-C stops it.", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.app.ctx.stop.set()
        server.server_close()
        print("Vendor sandbox stopped.", flush=True)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _stop_on_signals() -> None:
    """SIGINT and SIGTERM stop `run` cleanly, even when started with SIGINT ignored (`cmd &`)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _interrupt)
        signal.signal(signal.SIGTERM, _interrupt)
