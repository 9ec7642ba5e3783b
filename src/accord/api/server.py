"""Running a node: its mutual-TLS listener, an optional plain loopback listener for local users,
the outbox worker and the witness worker (partners' consistency proofs), in one process.

The mutual-TLS listener serves the whole app (`accord.api.create_app`): partner nodes call
`/federation/v1` there, and local clients holding a federation certificate may call `/api/v1`
too. Only requests that arrive on it are marked as mutual TLS, so `/federation/v1` refuses
everything that comes in on the plain listener. TLS handshakes the listener refuses (a
certificate from another CA, an expired one, none at all, TLS 1.2) never reach the app: they
are written to the ledger from the TLS layer itself.

`run_node(node, host, port)` blocks until SIGINT/SIGTERM (what `accord serve --tls` runs);
`NodeServer(...).start()` runs the same in a background thread (tests, embedding)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
import socket
import ssl
import threading
from collections.abc import Callable, Generator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import structlog
import uvicorn

from accord.api import create_app
from accord.api.routers.partner import MUTUAL_TLS, record_rejection
from accord.federation.identity import tls_files
from accord.logs import configure_logging
from accord.node import Node
from accord.services.outbox import OutboxWorker
from accord.services.witness import WitnessWorker

__all__ = ["MutualTLSMarker", "NodeServer", "audited_server_context", "run_node"]

log = structlog.get_logger("accord.federation")

ASGIApp = Callable[..., Any]
#: Handshake endings that are not refusals: the peer simply went away.
_NOT_REFUSALS = (
    ssl.SSLWantReadError,
    ssl.SSLWantWriteError,
    ssl.SSLEOFError,
    ssl.SSLZeroReturnError,
)


class MutualTLSMarker:
    """ASGI middleware for the mutual-TLS listener: marks each request's scope as having
    arrived with a client certificate the handshake verified."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket"):
            scope = {**scope, MUTUAL_TLS: True}
        await self.app(scope, receive, send)


def audited_server_context(
    node: Node, on_refused: Callable[[ssl.SSLError], None]
) -> ssl.SSLContext:
    """The node's mutual-TLS server context (`accord.crypto.server_context`) whose handshake
    refusals are reported to `on_refused` before the connection is dropped."""
    context = tls_files(node.settings).server_context()

    class AuditedSSLObject(ssl.SSLObject):
        def do_handshake(self) -> None:
            try:
                super().do_handshake()
            except _NOT_REFUSALS:
                raise
            except ssl.SSLError as exc:
                on_refused(exc)
                raise

    context.sslobject_class = AuditedSSLObject
    return context


class _Server(uvicorn.Server):
    """A uvicorn server that leaves signals to `NodeServer` (it runs several servers)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


def _listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket. It is made with an explicit IPPROTO_TCP so that asyncio sets
    TCP_NODELAY on the connections it accepts: without it, a response written as two TLS
    records waits for the client's delayed ACK (about 40 ms) between them."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(512)
    except OSError:
        sock.close()
        raise
    return sock


class NodeServer:
    """A node's listeners and outbox worker. Sockets are bound at construction, so `port` is
    known (pass port 0 for any free port) before the node starts serving."""

    def __init__(
        self,
        node: Node,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        api_host: str = "127.0.0.1",
        api_port: int | None = None,
        outbox: bool = True,
        witness: bool = True,
        shutdown_grace: float = 2.0,
    ) -> None:
        self.node = node
        self.shutdown_grace = shutdown_grace
        self.host = host
        tls_files(node.settings).check()
        self._socket = _listen(host, port)
        self.port: int = self._socket.getsockname()[1]
        self._api_socket = _listen(api_host, api_port) if api_port is not None else None
        self.api_port: int | None = (
            self._api_socket.getsockname()[1] if self._api_socket is not None else None
        )
        self._api_host = api_host
        self._outbox = OutboxWorker(node) if outbox else None
        self._witness = WitnessWorker(node) if witness else None
        self._servers: list[_Server] = []
        self._thread: threading.Thread | None = None
        self._audit = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tls-audit")

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"https://{host}:{self.port}"

    @property
    def api_url(self) -> str | None:
        return f"http://{self._api_host}:{self.api_port}" if self.api_port is not None else None

    def _refused(self, exc: ssl.SSLError) -> None:
        details = {
            "code": "tls_handshake_refused",
            "reason": str(getattr(exc, "verify_message", None) or exc.reason or exc)[:200],
        }
        self._audit.submit(record_rejection, self.node, details)

    def _build(self) -> list[tuple[_Server, socket.socket]]:
        app = create_app(self.node)
        context = audited_server_context(self.node, self._refused)
        common: dict[str, Any] = {
            "log_level": "warning",
            "lifespan": "off",
            "loop": "asyncio",
            "http": "h11",
            "ws": "none",
            # Idle keep-alive TLS connections wait for the client's close_notify; a client that
            # never sends one would hold the shutdown for the TLS layer's 30 s otherwise.
            "timeout_graceful_shutdown": self.shutdown_grace,
            "access_log": False,
            # uvicorn's loggers keep the configuration of accord.logs.
            "log_config": None,
        }
        federation = uvicorn.Config(
            MutualTLSMarker(app), ssl_context_factory=lambda _cfg, _default: context, **common
        )
        built = [(_Server(federation), self._socket)]
        if self._api_socket is not None:
            built.append((_Server(uvicorn.Config(app, **common)), self._api_socket))
        return built

    async def _serve(self, stop_on_signals: bool) -> None:
        built = self._build()
        self._servers = [server for server, _ in built]
        if stop_on_signals:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, self.request_stop)
        if self._outbox is not None:
            self._outbox.start()
        if self._witness is not None:
            self._witness.start()
        try:
            await asyncio.gather(*(server.serve(sockets=[sock]) for server, sock in built))
        finally:
            if self._outbox is not None:
                self._outbox.stop()
            if self._witness is not None:
                self._witness.stop()
            self._audit.shutdown(wait=True)

    def request_stop(self) -> None:
        for server in self._servers:
            server.should_exit = True

    @property
    def started(self) -> bool:
        return bool(self._servers) and all(s.started for s in self._servers)

    def run(self) -> None:
        """Serve in this thread until SIGINT or SIGTERM."""
        asyncio.run(self._serve(stop_on_signals=True))

    def start(self, timeout: float = 15.0) -> NodeServer:
        """Serve in a background thread; returns once every listener accepts connections."""
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self._serve(stop_on_signals=False)),
            name=f"accord-node-{self.port}",
            daemon=True,
        )
        self._thread.start()
        deadline = threading.Event()
        waited = 0.0
        while not self.started:
            if not self._thread.is_alive():
                raise RuntimeError("the node server stopped while starting")
            deadline.wait(0.02)
            waited += 0.02
            if waited > timeout:
                raise TimeoutError("the node server did not start in time")
        return self

    def stop(self, timeout: float = 15.0) -> None:
        """Stop serving (and release the sockets of a server that never started)."""
        self.request_stop()
        if self._thread is not None:
            self._thread.join(timeout)
            return
        for sock in (self._socket, self._api_socket):
            if sock is not None:
                sock.close()


def settle_process() -> None:
    """Make a server process ready to serve: the matcher's tables loaded (a first query in
    a script would wait for them), then what the process holds by then (its modules, the
    FtM model, those tables, the app) put out of the garbage collector's way (`gc.freeze`),
    and the collector told to do the same after every full collection (`FullCollections`)
    and to collect the youngest objects less often (`YOUNG_COLLECTION`).
    None of it becomes garbage, and a full collection walked all of it while a request
    waited: the slowest document checks took 130-190 ms, and with a million persons
    indexed the matcher's caches made a full collection cost 0.4-0.9 s."""
    from accord.matching.names import warm_up

    warm_up()
    gc.collect()
    gc.freeze()
    FullCollections.install()
    gc.set_threshold(YOUNG_COLLECTION, *gc.get_threshold()[1:])


#: Allocations between two collections of the youngest generation (CPython's default is
#: 700). A request allocates thousands of objects that live until it answers; collected every
#: 700, many were walked, promoted and walked again in older generations before dying. With
#: a million persons indexed, /match took 21.4 ms on average with the default, 18.8 with
#: this, 17.1 with no collection at all.
YOUNG_COLLECTION = 10_000


class FullCollections:
    """What a full collection leaves is frozen (`gc.freeze`), so the next one walks only
    what came since: the caches of a matcher serving a large index (name parts and their
    comparisons, dates, stored views) are millions of objects that stay alive, and CPython
    otherwise walks all of them each time its long-lived objects have grown by a quarter.

    An object frozen while alive that later becomes part of unreachable cycle is not
    collected while frozen. So once the frozen objects have grown `SWEEP_GROWTH` times over
    what the last complete collection left, the next full collection unfreezes them first
    and walks everything: memory held by such garbage stays bounded, at the cost of a
    full walk each time the process's long-lived objects grow that much (caches filling up
    after start; none once they are full)."""

    SWEEP_GROWTH = 4
    #: Frozen objects below which no complete walk is worth its pause.
    SWEEP_FROM = 500_000

    _installed: FullCollections | None = None

    def __init__(self) -> None:
        #: Frozen objects after the last complete walk, and since (an estimate from above:
        #: what each collection froze, added up, less nothing for what died since).
        self.swept = self.frozen = gc.get_freeze_count()
        self.sweeping = False
        self.sweeps = 0

    @classmethod
    def install(cls) -> FullCollections:
        """The process's policy, installed once (a second call returns the first)."""
        if cls._installed is None:
            cls._installed = cls()
            gc.callbacks.append(cls._installed)
        return cls._installed

    def _due(self) -> bool:
        return self.frozen >= max(self.SWEEP_FROM, self.SWEEP_GROWTH * self.swept)

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            if self._due():
                # Counting the frozen walks them all, so it is done only when the estimate
                # says a complete walk may be due.
                self.frozen = gc.get_freeze_count()
                if self._due():
                    gc.unfreeze()  # this collection walks everything
                    self.sweeping = True
            return
        # After a full collection every survivor is in the oldest generation.
        survivors = len(gc.get_objects(generation=2))
        gc.freeze()
        if self.sweeping:
            self.sweeping = False
            self.sweeps += 1
            self.swept = self.frozen = survivors
        else:
            self.frozen += survivors


def run_node(
    node: Node,
    host: str = "127.0.0.1",
    port: int = 8443,
    *,
    api_host: str = "127.0.0.1",
    api_port: int | None = None,
    outbox: bool = True,
) -> None:
    """Serve the node over mutual TLS on `host:port` (and, with `api_port`, the user API over
    plain HTTP on `api_host:api_port`) with the outbox worker, until SIGINT or SIGTERM."""
    configure_logging(node.settings)
    server = NodeServer(node, host, port, api_host=api_host, api_port=api_port, outbox=outbox)
    log.info("node serving", url=server.url, api=server.api_url, agency=node.agency)
    settle_process()
    server.run()
