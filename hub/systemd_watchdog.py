"""Run the hub's web server under systemd: READY=1, watchdog pings, STOPPING=1.

``Type=notify`` units (deploy/systemd/quorum-hub.service) wait for READY=1, sent once uvicorn
has run the app's lifespan (migrations, ingest) and listens. With ``WatchdogSec=`` the pings
come from a task on uvicorn's own event loop, so an event loop blocked by a stuck request
stops them, and so does a failed health check (the ingest writer thread gone); systemd then
restarts the hub. Without ``$NOTIFY_SOCKET`` the server runs exactly as ``server.run()``.
"""

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import uvicorn
from fastapi import FastAPI

from common.sd_notify import SystemdNotifier, Watchdog

log = logging.getLogger(__name__)

# How often to look whether uvicorn has started (it sets server.started).
_STARTED_POLL_S = 0.05


def app_health(app: FastAPI) -> str | None:
    """None while the app's lifespan state is up and its ingest runs; else what is wrong."""
    state = getattr(app.state, "hub", None)
    if state is None:
        return "the hub's lifespan is not running"
    # Ingest runners that can tell (hub.ingest.service.IngestService) report their writer.
    health: Callable[[], str | None] | None = getattr(state.ingest, "health", None)
    return health() if health is not None else None


async def notify_systemd(
    server: uvicorn.Server, notifier: SystemdNotifier, watchdog: Watchdog
) -> None:
    """READY=1 once the server has started, then watchdog pings until it is told to exit."""
    while not server.started:
        if server.should_exit:
            return
        await asyncio.sleep(_STARTED_POLL_S)
    notifier.ready("serving")
    interval = watchdog.interval_s
    while not server.should_exit:
        watchdog.beat()
        # Without a watchdog there is nothing to ping: only wait for the shutdown (STOPPING=1
        # is sent from the signal handler, see serve()).
        await asyncio.sleep(min(interval, 1.0) if interval else 1.0)


def serve(server: uvicorn.Server, app: FastAPI, notifier: SystemdNotifier) -> None:
    """``server.run()``, with systemd notifications when ``$NOTIFY_SOCKET`` is set."""
    if not notifier.enabled:
        server.run()
        return
    watchdog = Watchdog(notifier, [lambda: app_health(app)])
    handle_exit = server.handle_exit

    def stopping_then_exit(sig: int, frame: Any) -> None:
        # Said here, in uvicorn's signal handler: after its shutdown uvicorn re-raises the
        # signal with the default handler, so there may be no later moment to say it.
        if server.started and not server.should_exit:
            notifier.stopping()
        handle_exit(sig, frame)

    server.handle_exit = stopping_then_exit  # type: ignore[method-assign]

    async def main() -> None:
        task = asyncio.create_task(notify_systemd(server, notifier, watchdog))
        try:
            await server.serve()
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    loop_factory: Any = getattr(server.config, "get_loop_factory", lambda: None)()
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(main())
