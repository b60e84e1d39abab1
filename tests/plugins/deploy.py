"""Fixtures and markers of the deployment tests (tests/deploy).

Tests marked ``deploy_install`` build and install the Debian package on this machine and
run the service's command under headless cage. They need root and several minutes, so
they run only from ``make test-deploy`` (packaging/tests/run.sh sets KIOSK_TEST_DEPLOY=1).
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "deploy_install: builds/installs the .deb and runs it under cage (make test-deploy only)",
    )


def pytest_collection_modifyitems(config, items):
    if os.environ.get("KIOSK_TEST_DEPLOY") == "1":
        return
    skip = pytest.mark.skip(reason="installs the Debian package as root: run by `make test-deploy`")
    for item in items:
        if "deploy_install" in item.keywords:
            item.add_marker(skip)


class NotifyListener:
    """A fake systemd: the datagram socket that $NOTIFY_SOCKET points at."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        os.chmod(path, 0o777)  # the service user (kiosk) must be able to write to it
        self.messages: list[str] = []

    def wait_for(self, text: str, timeout: float) -> bool:
        """Collect datagrams until one contains ``text`` (a line such as READY=1)."""
        import time

        deadline = time.monotonic() + timeout
        if any(text in m.splitlines() for m in self.messages):
            return True
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                data = self.sock.recv(4096).decode()
            except (TimeoutError, socket.timeout):
                break
            self.messages.append(data)
            if text in data.splitlines():
                return True
        return False

    def count(self, text: str) -> int:
        return sum(text in m.splitlines() for m in self.messages)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def shared_tmp():
    """A temp dir another user (the kiosk service user) can reach, unlike pytest's."""
    import shutil
    import tempfile

    # not under /tmp: the service test gives the service a private /tmp (PrivateTmp=yes)
    d = Path(tempfile.mkdtemp(prefix="kiosk-deploy-", dir="/var/tmp"))
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def notify_listener(shared_tmp):
    listener = NotifyListener(shared_tmp / "notify.sock")
    yield listener
    listener.close()
