"""Running the web app with Uvicorn: in this process, or in several worker processes sharing one listening socket.

A check is CPU work in Python, so one process uses one core however many requests wait: with 20 requests at
once each waits for the 19 others. Several processes (`serve --workers`) use the other cores. The socket is
bound here, before any worker starts, so the URL printed (also for port 0) is the one they all serve.
"""
from __future__ import annotations

import functools
import ipaddress
import multiprocessing
import queue
import signal
import socket
import sys
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
    """Serve until Ctrl-C (or SIGTERM); `announce(port)` once requests can come. CannotListen if they cannot."""
    config = uvicorn.Config(functools.partial(create_app, token), factory=True, host=host, port=port,
                            workers=workers, log_level="warning", access_log=False, server_header=False,
                            date_header=False)
    if workers > 1:
        return _supervise(config, host, port, workers, announce)
    listening = _listen(host, port, config.backlog)   # requests queue here while the rulesets load
    try:
        announce(listening.getsockname()[1])
        uvicorn.Server(config).run(sockets=[listening])
    except KeyboardInterrupt:   # Ctrl-C: uvicorn stops, then passes the signal on
        pass
    finally:
        listening.close()


# Where the kernel can share a port's connections out among several listening sockets (Linux SO_REUSEPORT),
# each worker listens on its own: with one shared socket, whichever worker wakes first accepts every waiting
# connection (19 of 20 measured), and keep-alive connections then stay with it.
SHARED_OUT = sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def _listen(host: str, port: int, backlog: int, own_port_share: bool = False, listen: bool = True) -> socket.socket:
    # IPPROTO_TCP said explicitly: asyncio turns Nagle's algorithm off only on sockets that say it (else each
    # answer waits ~40 ms for the client's delayed acknowledgement).
    listening = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM,
                              socket.IPPROTO_TCP)
    try:
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if own_port_share:
            listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        listening.bind((host, port))
        if listen:
            listening.listen(backlog)
    except OSError as error:
        listening.close()
        raise CannotListen(error.errno, error.strerror) from None
    listening.set_inheritable(True)
    return listening


def _supervise(config: uvicorn.Config, host: str, port: int, workers: int, announce: Callable[[int], None]) -> None:
    # The port is taken here first (also to learn it when 0 was asked): shared out, by a socket that only holds
    # it, the workers listening on their own; else by the one listening socket they all accept from.
    if SHARED_OUT and port:   # a port another server listens on is refused, not shared with it
        _listen(host, port, config.backlog, listen=False).close()
    held = _listen(host, port, config.backlog, own_port_share=SHARED_OUT, listen=not SHARED_OUT)
    port = held.getsockname()[1]
    spawn = multiprocessing.get_context("spawn")   # fresh interpreters: no state copied from this one
    ready = spawn.Queue()
    shared = None if SHARED_OUT else held
    processes = [spawn.Process(target=_worker, args=(config, shared, (host, port), ready), daemon=True)
                 for _ in range(workers)]

    def stop(signum, frame):
        raise KeyboardInterrupt
    previous = signal.signal(signal.SIGTERM, stop)   # terminated: stop the workers too, never orphan them
    try:
        for process in processes:
            process.start()
        listening = 0
        while listening < workers:   # every worker listens (its requests queue while it loads) before the URL
            try:
                problem = ready.get(timeout=1)
            except queue.Empty:
                if not all(process.is_alive() for process in processes):
                    raise CannotListen(0, "a worker process stopped before listening") from None
                continue
            if problem is not None:
                raise CannotListen(*problem)
            listening += 1
        announce(port)
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
        held.close()
        signal.signal(signal.SIGTERM, previous)


def _worker(config: uvicorn.Config, shared: socket.socket | None, address: tuple[str, int], ready) -> None:
    try:
        listening = shared if shared is not None else _listen(*address, config.backlog, own_port_share=True)
    except CannotListen as error:
        ready.put((error.errno, error.strerror))
        return
    ready.put(None)
    try:
        uvicorn.Server(config).run(sockets=[listening])
    except KeyboardInterrupt:   # Ctrl-C reaches every process of the group; the parent says nothing either
        pass
