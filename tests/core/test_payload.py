"""Payload rules: what a scanned code means, and that nothing else gets through."""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.core.payload import MAX_LENGTH, Payload, PayloadKind, classify

# the shared test machine is slow at times: judge outcomes, not per-example time
relaxed = settings(deadline=None)

HOSTS = ["a.greenflux.app", "qr.greenflux.com"]
UUID = "3f2a1b2c-4d5e-4f60-8a7b-9c0d1e2f3a4b"
GOOD_URL = f"https://a.greenflux.app/qr/gsop/greenflux/{UUID}"


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        (GOOD_URL, PayloadKind.QR_URL, GOOD_URL),
        (f"  {GOOD_URL}\n", PayloadKind.QR_URL, GOOD_URL),
        ("HTTPS://A.GreenFlux.App/qr/gsop/greenflux/x1", PayloadKind.QR_URL, "https://a.greenflux.app/qr/gsop/greenflux/x1"),
        ("https://qr.greenflux.com:443/qr/abc", PayloadKind.QR_URL, "https://qr.greenflux.com/qr/abc"),
        ("NL*GFX*E12345*1", PayloadKind.EVSE_ID, "NL*GFX*E12345*1"),
        ("NL-GFX-E12345-1", PayloadKind.EVSE_ID, "NL*GFX*E12345*1"),
        ("nl*gfx*e12345*1", PayloadKind.EVSE_ID, "NL*GFX*E12345*1"),
        ("NLGFXE12345", PayloadKind.EVSE_ID, "NLGFXE12345".replace("NLGFXE", "NL*GFX*E")),
        ("DE*EWE*EABC123*2", PayloadKind.EVSE_ID, "DE*EWE*EABC123*2"),
        (f"nl-gfx-{UUID}", PayloadKind.LOCATION_ID, f"nl-gfx-{UUID}"),
        # a location uuid starting with "e" is still a location, not an EVSE id
        ("nl-gfx-e3b0c442-98fc-4c14-9afb-4c8996fb9242", PayloadKind.LOCATION_ID,
         "nl-gfx-e3b0c442-98fc-4c14-9afb-4c8996fb9242"),
    ],
)
def test_recognised_forms_are_normalised(text, kind, value):
    p = classify(text, allowed_hosts=HOSTS)
    assert (p.kind, p.value) == (kind, value)
    assert p.valid and p.message == ""


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("https://a.greenflux.app.evil.com/qr/x", "host"),
        ("https://evil.com/a.greenflux.app/qr/x", "host"),
        ("https://a.greenflux.app@evil.com/qr/x", "host"),
        ("https://user:pw@a.greenflux.app/qr/x", "host"),
        ("https://a.greenflux.app:8443/qr/x", "host"),
        ("https://xa.greenflux.app/qr/x", "host"),
        ("https://greenflux.app/qr/x", "host"),
        ("https://a.greenf1ux.app/qr/x", "host"),
        ("https://a.greenflux.app./qr/x", "host"),
        ("https://%61.greenflux.app/qr/x", "host"),
        ("https://а.greenflux.app/qr/x", "host"),  # Cyrillic a
        ("https://a.greenflux.app/qr/x\u202e", "host"),  # bidi override: not ASCII
        ("http://a.greenflux.app/qr/x", "url"),
        ("ftp://a.greenflux.app/qr/x", "url"),
        ("javascript:alert(1)//a.greenflux.app/", "url"),
        ("data:text/html,https://a.greenflux.app/", "url"),
        ("https:/a.greenflux.app/qr/x", "host"),
        ("https://a.greenflux.app/", "format"),
        ("https://a.greenflux.app", "format"),
        ("https://a.greenflux.app\\@evil.com/qr", "url"),
        ("WIFI:S:guest;T:WPA;P:secret;;", "url"),
        ("", "empty"),
        ("   ", "empty"),
        ("hello world", "format"),
        ("NL*GFX*12345*1", "format"),
        ("NL*GFX-E12345*1", "format"),
        ("N1*GFX*E12345*1", "format"),
        ("NL*GFX*E12345*", "format"),
        ("NL**GFX*E1", "format"),
        ("NL*GFX*E1\x00", "binary"),
        ("NL*GFX*E12345\n*1", "binary"),
        ("x" * (MAX_LENGTH + 1), "too_long"),
        (b"\xff\xfe\x00binary", "binary"),
        (None, "binary"),
        (12345, "binary"),
    ],
)
def test_rejected_with_a_reason_and_a_translated_message(text, reason):
    p = classify(text, allowed_hosts=HOSTS)
    assert p.kind is PayloadKind.INVALID
    assert p.reason == reason
    assert p.value == ""
    en, nl, de, fr = (p.message_in(lang) for lang in ("en", "nl", "de", "fr"))
    assert "Scan" in en or "QR code" in en
    assert len({en, nl, de, fr}) == 4, "every language has its own text"


def test_allowlist_comes_from_the_setting():
    url = "https://charge.example.org/qr/123"
    assert classify(url, allowed_hosts=HOSTS).kind is PayloadKind.INVALID
    assert classify(url, allowed_hosts=["charge.example.org"]).kind is PayloadKind.QR_URL
    assert classify(GOOD_URL, allowed_hosts=[]).kind is PayloadKind.INVALID


def test_utf8_bytes_are_text():
    assert classify(b"NL*GFX*E12345*1").value == "NL*GFX*E12345*1"


# --------------------------------------------------------------------------- properties
any_input = st.one_of(
    st.text(max_size=2000),
    st.binary(max_size=2000),
    st.none(),
    st.integers(),
    st.lists(st.text(max_size=5), max_size=3),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_input, st.lists(st.text(max_size=30), max_size=3))
def test_never_raises_and_always_answers(value, hosts):
    p = classify(value, allowed_hosts=hosts)
    assert isinstance(p, Payload)
    assert p.kind in PayloadKind
    if p.valid:
        assert p.value and p.value.isascii() and p.value.isprintable()
        assert len(p.value) <= MAX_LENGTH
    else:
        assert p.value == "" and p.message


@relaxed
@given(st.text(min_size=MAX_LENGTH + 1, max_size=MAX_LENGTH * 3))
def test_oversize_is_rejected(text):
    assert classify(text, allowed_hosts=HOSTS).kind is PayloadKind.INVALID


@relaxed
@given(st.binary(min_size=1, max_size=300))
def test_binary_is_never_a_charger_code(data):
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        assert classify(data).reason == "binary"
        return
    # valid UTF-8 that happens to be a real code is fine; else it is rejected
    assert classify(data) == classify(text)


ascii_label = st.text(alphabet=string.ascii_lowercase + string.digits + "-", min_size=1, max_size=12).filter(
    lambda s: not s.startswith("-") and not s.endswith("-")
)
path = st.text(alphabet=string.ascii_letters + string.digits + "/-_", min_size=1, max_size=40)


@relaxed
@given(ascii_label, path)
def test_subdomains_and_suffixes_of_allowed_hosts_are_rejected(label, p):
    for host in (f"a.greenflux.app.{label}.com", f"{label}.a.greenflux.app", f"a.greenflux.app{label}.io",
                 f"{label}-a.greenflux.app"):
        assert classify(f"https://{host}/{p}", allowed_hosts=HOSTS).kind is PayloadKind.INVALID


@relaxed
@given(st.text(min_size=1, max_size=10).filter(lambda s: "/" not in s and "@" not in s), path)
def test_userinfo_tricks_are_rejected(user, p):
    for url in (f"https://a.greenflux.app@{user}/{p}", f"https://{user}@a.greenflux.app/{p}",
                f"https://a.greenflux.app:{user}@evil.com/{p}"):
        assert classify(url, allowed_hosts=HOSTS).kind is PayloadKind.INVALID


CONFUSABLES = {"a": "аɑα", "e": "еҽ", "o": "оο0", "p": "р", "l": "ӏ1I", "n": "ո", "x": "х", "g": "ɡ", "u": "υ"}


@relaxed
@given(st.data())
def test_unicode_confusables_of_the_host_are_rejected(data):
    host = "a.greenflux.app"
    i = data.draw(st.sampled_from([i for i, c in enumerate(host) if c in CONFUSABLES]))
    fake = data.draw(st.sampled_from(CONFUSABLES[host[i]]))
    spoof = host[:i] + fake + host[i + 1:]
    assert classify(f"https://{spoof}/qr/x", allowed_hosts=HOSTS).kind is PayloadKind.INVALID


@relaxed
@given(st.sampled_from(["http", "ftp", "file", "javascript", "data", "intent", "tel", "sms", "mailto", "wss"]), path)
def test_other_schemes_are_rejected(scheme, p):
    assert classify(f"{scheme}://a.greenflux.app/{p}", allowed_hosts=HOSTS).kind is PayloadKind.INVALID


@relaxed
@given(st.sampled_from(["*", "-"]), st.from_regex(r"\A[A-Z0-9]{1,12}\Z"), st.integers(1, 9))
def test_both_evse_spellings_normalise_to_the_same_id(sep, outlet, n):
    text = sep.join(["NL", "GFX", f"E{outlet}", str(n)])
    p = classify(text)
    assert p.kind is PayloadKind.EVSE_ID
    assert p.value == f"NL*GFX*E{outlet}*{n}"
