"""kiosk.api.tls makes the TLS context httpx would make, ahead of the client (start-up)."""

import asyncio
import ssl

import httpx

from kiosk.api.client import ChargeAssistClient
from kiosk.api.tls import default_context


def _same(a: ssl.SSLContext, b: ssl.SSLContext) -> None:
    assert a.verify_mode == b.verify_mode == ssl.CERT_REQUIRED
    assert a.check_hostname is b.check_hostname is True
    assert a.cert_store_stats() == b.cert_store_stats()
    assert a.minimum_version == b.minimum_version
    assert a.options == b.options


def test_the_context_is_httpx_own_default(monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    ours = default_context()
    _same(ours, httpx.create_ssl_context())
    assert ours.cert_store_stats()["x509_ca"] > 50      # certifi's bundle, not an empty store


def test_a_bundle_named_in_the_environment_is_the_one_trusted(monkeypatch, tmp_path):
    import certifi

    # one CA of certifi's bundle alone: both contexts trust exactly that one
    pem = open(certifi.where()).read()
    first = pem[pem.index("-----BEGIN CERTIFICATE-----"):pem.index("-----END CERTIFICATE-----") + 25]
    bundle = tmp_path / "venue-ca.pem"
    bundle.write_text(first + "\n")
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    ours = default_context()
    assert ours.cert_store_stats()["x509_ca"] == 1
    _same(ours, httpx.create_ssl_context())


def test_the_client_uses_the_context_it_is_given():
    ctx = default_context()
    client = ChargeAssistClient("https://charge-assist.example", verify=ctx)
    try:
        assert client._http._transport._pool._ssl_context is ctx
    finally:
        asyncio.run(client.aclose())
