"""systemd service notifications (``sd_notify``) without libsystemd, Qt or any dependency.

The kiosk runs as a ``Type=notify`` service with ``WatchdogSec=``. The app tells systemd
that it is ready once its window is up, and then pings the watchdog *from its event loop*:
a frozen UI thread stops the pings, systemd kills the service (SIGABRT) and restarts it.

Use from the qasync loop (the UI/app owner wires this in ``kiosk/app.py``)::

    from kiosk.deploy import systemd
    systemd.notify_ready()                  # after window.show()
    interval = systemd.watchdog_interval()  # seconds, or None outside systemd
    if interval:
        timer = QTimer(window); timer.setInterval(int(interval * 1000))
        timer.timeout.connect(systemd.notify_watchdog); timer.start()
    ...
    systemd.notify_stopping()               # when quitting (SIGTERM, attendant quit)

or, without Qt, :func:`start_watchdog` schedules the pings on the running asyncio loop
(with qasync that loop *is* the Qt event loop, so a blocked UI stops them just the same).

Every function is a no-op returning ``False``/``None`` when ``$NOTIFY_SOCKET`` is not set
(a terminal, the tests, the desktop). Errors sending a notification are swallowed: a
kiosk must never crash because the service manager went away.

The process that notifies is not systemd's main process: the unit runs ``cage`` and cage
starts the app. The unit therefore sets ``NotifyAccess=all``; ``$WATCHDOG_PID`` names
cage, so :func:`watchdog_interval` accepts our parent's pid as well as our own.
"""

from __future__ import annotations

import asyncio
import os
import socket

__all__ = [
    "notify",
    "notify_ready",
    "notify_watchdog",
    "notify_stopping",
    "notify_status",
    "watchdog_interval",
    "start_watchdog",
    "booted_under_systemd",
]


def _address(value: str) -> str | bytes | None:
    if value.startswith("@"):  # abstract namespace socket
        return b"\0" + value[1:].encode()
    if value.startswith("/"):
        return value
    return None  # vsock: and other transports are not used on a kiosk


def notify(state: str) -> bool:
    """Send ``state`` (e.g. ``"READY=1"``, newline-separated assignments) to systemd.

    Returns True when a datagram was sent, False without ``$NOTIFY_SOCKET`` or on error.
    """
    target = os.environ.get("NOTIFY_SOCKET")
    if not target:
        return False
    address = _address(target)
    if address is None:
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall(state.encode("utf-8"))
        return True
    except OSError:
        return False


def notify_ready(status: str | None = None) -> bool:
    """The app is up (window shown): ``READY=1`` ends the service's activating phase."""
    return notify("READY=1" + (f"\nSTATUS={status}" if status else ""))


def notify_watchdog() -> bool:
    """Keep-alive ping; call it at least every :func:`watchdog_interval` seconds."""
    return notify("WATCHDOG=1")


def notify_stopping() -> bool:
    """The app is shutting down on purpose."""
    return notify("STOPPING=1")


def notify_status(status: str) -> bool:
    """Free-form status shown by ``systemctl status`` (never put secrets in it)."""
    return notify(f"STATUS={status}")


def watchdog_interval() -> float | None:
    """How often to ping, in seconds (half of ``WatchdogSec=``), or None if no watchdog."""
    usec = os.environ.get("WATCHDOG_USEC")
    if not usec or not os.environ.get("NOTIFY_SOCKET"):
        return None
    try:
        value = int(usec)
    except ValueError:
        return None
    if value <= 0:
        return None
    pid = os.environ.get("WATCHDOG_PID")
    if pid:
        try:
            # our own pid, or cage's (our parent, the service's main process)
            if int(pid) not in (os.getpid(), os.getppid()):
                return None
        except ValueError:
            return None
    return value / 2_000_000


def start_watchdog(loop: asyncio.AbstractEventLoop | None = None) -> asyncio.TimerHandle | None:
    """Ping the watchdog from ``loop`` (default: the running loop) every interval.

    Returns the first timer handle, or None when there is no watchdog. The pings go on
    until the loop stops; they stop by themselves when the loop is blocked, which is the
    point. Call after :func:`notify_ready`.
    """
    interval = watchdog_interval()
    if interval is None:
        return None
    loop = loop or asyncio.get_running_loop()

    def tick() -> None:
        notify_watchdog()
        if not loop.is_closed():
            loop.call_later(interval, tick)

    notify_watchdog()
    return loop.call_later(interval, tick)


def booted_under_systemd() -> bool:
    """True when the process was started by systemd as a service with notify access."""
    return bool(os.environ.get("NOTIFY_SOCKET") or os.environ.get("INVOCATION_ID"))
