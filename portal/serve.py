"""``portal serve``'s server: one uvicorn process, or worker processes that share the load.

With one worker, uvicorn serves the portal in this very process (``uvicorn.run``).

With several, this process only supervises: it starts that many worker processes
(spawned, not forked, so each imports the application afresh) and each worker opens
its OWN listening socket on the address with ``SO_REUSEPORT``. The kernel then hands
every new connection to one of the listening sockets, chosen by a hash of the
connection's addresses and ports, so every worker gets its share of the connections.
(With uvicorn's own ``--workers`` every worker waits on one shared socket: the worker
that wakes first accepts every connection waiting, and with a few long-lived
connections one worker often served them all while the others stayed idle.)

The supervisor stops its workers by PID (SIGTERM, then SIGKILL for one still running
after ``STOP_GRACE_SECONDS``) when it gets SIGTERM or SIGINT. A worker also gets SIGTERM
if the supervisor dies (Linux's parent-death signal), so none is left holding the port.
A worker that dies after it started serving is replaced; one that fails to start (the
application does not load, the address is taken) stops the whole server, as it would
fail again.

``SO_REUSEPORT`` only balances connections on Linux; elsewhere several workers fall
back to uvicorn's own (one shared socket).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import sys
import time
from dataclasses import dataclass, replace
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

log = logging.getLogger("portal")

APP = "portal.app:create_app"
# What a worker exits with when it could not start serving (uvicorn's own code for it).
STARTUP_FAILURE = 3
# How long a worker may take to finish the requests under way once asked to stop.
# (Under the 10 seconds Docker and most supervisors wait before they kill this process.)
STOP_GRACE_SECONDS = 8.0
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@dataclass(frozen=True)
class ServeOptions:
    host: str
    port: int
    workers: int
    # Proxies whose X-Forwarded-For and X-Forwarded-Proto are believed.
    trusted_proxies: tuple[str, ...] = ()
    log_level: str = "info"
    access_log: bool = False


def uvicorn_options(options: ServeOptions) -> dict[str, Any]:
    """What every server process is given, whether it is the only one or a worker."""
    return {
        "factory": True,
        # Only declared proxies may say who sent a request: anyone else could give any address
        # (and dodge the per-address sign-in limits). Given here, uvicorn reads no
        # FORWARDED_ALLOW_IPS; with none, it reads no forwarded header at all.
        "proxy_headers": bool(options.trusted_proxies),
        "forwarded_allow_ips": list(options.trusted_proxies),
        "server_header": False,
        "log_level": options.log_level.lower(),
        "access_log": options.access_log,
    }


def balanced_workers_supported() -> bool:
    """Whether each worker may listen on its own socket with the kernel balancing between them."""
    return sys.platform == "linux" and hasattr(socket, "SO_REUSEPORT")


def run(options: ServeOptions) -> int:
    """Serve until stopped; the exit status of ``portal serve``."""
    import uvicorn

    if options.workers <= 1 or not balanced_workers_supported():
        if options.workers > 1:
            log.warning("workers share one socket here: connections may not be spread evenly")
        uvicorn.run(
            APP, host=options.host, port=options.port, workers=options.workers, **uvicorn_options(options)
        )
        return 0
    try:
        port = _free_to_listen(options.host, options.port)
    except OSError as exc:
        log.error("cannot listen on %s:%s: %s", options.host, options.port, exc.strerror or exc)
        return 1
    return _Supervisor(replace(options, port=port)).run()


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _free_to_listen(host: str, port: int) -> int:
    """The port to listen on (the one given, or a free one for 0), after checking that
    nothing listens there yet: a bind without ``SO_REUSEPORT`` fails on a port where
    anything listens, another ``portal serve`` included, which the workers' own binds
    (with it) would otherwise join and share connections with."""
    with socket.socket(_family(host), socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
        probe.listen(1)  # checked again as a listener, which no other listener may share without it
        return int(probe.getsockname()[1])


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` that other sockets of this user may bind too
    (``SO_REUSEPORT``): the kernel spreads new connections across all of them."""
    sock = socket.socket(_family(host), socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def _die_with(parent: int) -> None:
    """Ask Linux for SIGTERM when the supervisor dies, so no worker outlives it."""
    import ctypes

    pr_set_pdeathsig = 1
    try:
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, int(signal.SIGTERM), 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass
    if os.getppid() != parent:  # it died before the request
        sys.exit(0)


def _worker(options: ServeOptions, parent: int) -> None:
    """One worker process: its own socket, one uvicorn server on it."""
    # Ctrl-C in a terminal reaches every process of the group: the supervisor alone
    # answers it, with SIGTERM to each worker (a worker handles SIGTERM gracefully).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with(parent)
    import uvicorn

    config = uvicorn.Config(APP, host=options.host, port=options.port, **uvicorn_options(options))
    try:
        sock = listening_socket(options.host, options.port)
    except OSError as exc:
        logging.getLogger("uvicorn.error").error(
            "cannot listen on %s:%s: %s", options.host, options.port, exc
        )
        sys.exit(STARTUP_FAILURE)
    server = uvicorn.Server(config)
    try:
        server.run(sockets=[sock])
    except SystemExit:
        # uvicorn exits 1 when the application does not import, 3 when its start fails.
        if not server.started:
            sys.exit(STARTUP_FAILURE)
        raise
    if not server.started:
        sys.exit(STARTUP_FAILURE)


class _Supervisor:
    """Starts the workers, replaces one that dies, stops them all on SIGTERM or SIGINT."""

    def __init__(self, options: ServeOptions) -> None:
        self.options = options
        self.context = multiprocessing.get_context("spawn")
        self.workers: list[BaseProcess] = []
        self.stop_signal: int | None = None

    def _start(self, number: int) -> BaseProcess:
        process = self.context.Process(
            target=_worker, args=(self.options, os.getpid()), name=f"portal-worker-{number}"
        )
        process.start()
        log.info("worker %s started (process %s)", number, process.pid)
        return process

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if self.stop_signal is None:
            self.stop_signal = signum

    def run(self) -> int:
        # A signal writes a byte here, which wakes the wait below (a flag alone would not).
        wake_read, wake_write = socket.socketpair()
        wake_read.setblocking(False)
        wake_write.setblocking(False)
        previous_wakeup = signal.set_wakeup_fd(wake_write.fileno())
        previous_handlers = {signum: signal.signal(signum, self._on_signal) for signum in STOP_SIGNALS}
        status = 0
        try:
            log.info("each worker listens on its own socket (SO_REUSEPORT): the kernel spreads connections")
            for number in range(1, self.options.workers + 1):
                if self.stop_signal is None:
                    self.workers.append(self._start(number))
            while self.stop_signal is None:
                ready = wait([wake_read, *(process.sentinel for process in self.workers)])
                if wake_read in ready:
                    try:
                        while wake_read.recv(64):
                            pass
                    except BlockingIOError:
                        pass
                if self.stop_signal is not None:
                    break
                for index, process in enumerate(self.workers):
                    if process.sentinel not in ready:
                        continue
                    process.join()
                    if process.exitcode == STARTUP_FAILURE:
                        log.error("worker %s could not start: stopping the server", index + 1)
                        status = 1
                        break
                    log.error(
                        "worker %s (process %s) ended with status %s: starting another",
                        index + 1,
                        process.pid,
                        process.exitcode,
                    )
                    self.workers[index] = self._start(index + 1)
                if status:
                    break
            if self.stop_signal is not None:
                log.info("received %s: stopping the workers", signal.Signals(self.stop_signal).name)
        finally:
            self._stop_all()
            for signum, handler in previous_handlers.items():
                signal.signal(signum, handler)
            signal.set_wakeup_fd(previous_wakeup)
            wake_read.close()
            wake_write.close()
        return status

    def _stop_all(self) -> None:
        for process in self.workers:
            if process.exitcode is None and process.pid is not None:
                try:
                    os.kill(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for number, process in enumerate(self.workers, start=1):
            process.join(max(0.0, deadline - time.monotonic()))
            if process.exitcode is None:
                log.warning("worker %s (process %s) still running: killed", number, process.pid)
                process.kill()
                process.join()
        log.info("all workers stopped")
