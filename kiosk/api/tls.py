"""The client's TLS context, made ahead of the client.

httpx builds its TLS context when the client is created: OpenSSL reads the ~150 CA
certificates of the bundle (~25 ms). It does so without holding Python's GIL, so the kiosk
makes the context on a worker thread of its own while httpx and the API models load on
another, and hands it to :class:`kiosk.api.client.ChargeAssistClient` (``verify=``).

The context is the one httpx makes by default (``httpx.create_ssl_context()``: certifi's CA
bundle, or ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` from the environment; certificates and host
names verified), made without importing httpx: that import is the other thread's, and two
threads importing one module wait for each other (tests/api/test_tls.py compares the two)."""

from __future__ import annotations

import os
import ssl


def default_context() -> ssl.SSLContext:
    if os.environ.get("SSL_CERT_FILE"):
        return ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
    if os.environ.get("SSL_CERT_DIR"):
        return ssl.create_default_context(capath=os.environ["SSL_CERT_DIR"])
    import certifi

    return ssl.create_default_context(cafile=certifi.where())
