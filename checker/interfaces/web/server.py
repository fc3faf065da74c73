"""Running the web app with Uvicorn: in this process, or in several worker processes sharing one listening socket.

A check is CPU work in Python, so one process uses one core however many requests wait: with 20 requests at
once each waits for the 19 others. Several processes (`serve --workers`) use the other cores. The socket is
bound here, before any worker starts, so the URL printed (also for port 0) is the one they all serve.
"""
from __future__ import annotations

import functools
import ipaddress
import multiprocessing
import signal
import socket
from collections.abc import Callable

import uvicorn

from .app import create_app


def is_loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def urls(host: str, port: int, token: str | None) -> tuple[str, str | None]:
    """The URL to open on this computer, and (listening on every address) one for the others on its network.

    0.0.0.0 and :: are not addresses a browser can open: this computer is reached on loopback, the others on
    the address this computer's outgoing traffic leaves from (found without sending anything)."""
    query = f"?token={token}" if token else ""
    try:
        unspecified = ipaddress.ip_address(host).is_unspecified
    except ValueError:
        unspecified = False
    if not unspecified:
        return f"http://{_bracketed(host)}:{port}/{query}", None
    here = "[::1]" if ":" in host else "127.0.0.1"
    return f"http://{here}:{port}/{query}", f"http://{_bracketed(_network_address(host))}:{port}/{query}"


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _network_address(host: str) -> str:
    family, probe = (socket.AF_INET6, "2001:db8::1") if ":" in host else (socket.AF_INET, "192.0.2.1")
    try:   # a UDP "connection" only picks the route and the source address; no packet is sent
        with socket.socket(family, socket.SOCK_DGRAM) as udp:
            udp.connect((probe, 9))
            return udp.getsockname()[0]
    except OSError:
        return socket.gethostname()


class CannotListen(OSError):
    """The address cannot be listened on (in use, not this computer's, not allowed)."""


def serve(token: str | None, host: str, port: int, workers: int, announce: Callable[[int], None]) -> None:
    """Serve until Ctrl-C (or SIGTERM); `announce(port)` once the socket listens. CannotListen if it cannot."""
    config = uvicorn.Config(functools.partial(create_app, token), factory=True, host=host, port=port,
                            workers=workers, log_level="warning", access_log=False, server_header=False,
                            date_header=False)
    listening = _listen(host, port, config.backlog)   # requests queue here until a worker is ready for them
    try:
        if workers == 1:
            announce(listening.getsockname()[1])
            try:
                uvicorn.Server(config).run(sockets=[listening])
            except KeyboardInterrupt:   # Ctrl-C: uvicorn stops, then passes the signal on
                pass
        else:
            _supervise(config, listening, workers, announce)
    finally:
        listening.close()


def _listen(host: str, port: int, backlog: int) -> socket.socket:
    # IPPROTO_TCP said explicitly: asyncio turns Nagle's algorithm off only on sockets that say it (else each
    # answer waits ~40 ms for the client's delayed acknowledgement).
    listening = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM,
                              socket.IPPROTO_TCP)
    try:
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listening.bind((host, port))
        listening.listen(backlog)
    except OSError as error:
        listening.close()
        raise CannotListen(error.errno, error.strerror) from None
    listening.set_inheritable(True)
    return listening


def _supervise(config: uvicorn.Config, listening: socket.socket, workers: int,
               announce: Callable[[int], None]) -> None:
    spawn = multiprocessing.get_context("spawn")   # fresh interpreters: no state copied from this one
    processes = [spawn.Process(target=_worker, args=(config, listening), daemon=True) for _ in range(workers)]

    def stop(signum, frame):
        raise KeyboardInterrupt
    previous = signal.signal(signal.SIGTERM, stop)   # terminated: stop the workers too, never orphan them
    try:
        for process in processes:
            process.start()
        announce(listening.getsockname()[1])
        for process in processes:
            process.join()
    except KeyboardInterrupt:
        pass
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(10)
        signal.signal(signal.SIGTERM, previous)


def _worker(config: uvicorn.Config, listening: socket.socket) -> None:
    try:
        uvicorn.Server(config).run(sockets=[listening])
    except KeyboardInterrupt:   # Ctrl-C reaches every process of the group; the parent says nothing either
        pass
