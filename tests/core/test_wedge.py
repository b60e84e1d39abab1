"""A handheld QR scanner types the code as US key presses; the desk's keyboard layout turns
them into other characters. The readings of kiosk.core.wedge get the code back."""

import pytest

from kiosk.core import wedge

URL = "https://greenflux.app/qr/gsop/greenflux/0f3c9a2e-77b1-4d0e-9c3a-5b1e2d4f6a7b"
EVSE_ID = "NL*GFX*E12345*1"


def typed_on(layout: str, text: str) -> str:
    """What a US-keyboard scanner's key presses become on ``layout`` (the forward table)."""
    forward = {}
    for (us_plain, us_shift), (plain, shift) in zip(wedge.US, wedge.LAYOUTS[layout], strict=True):
        for meant, typed in zip(us_plain + us_shift, plain + shift, strict=True):
            forward[meant] = typed
    return "".join(forward.get(ch, ch) for ch in text)


def test_the_german_mangling_the_issue_names():
    mangled = typed_on("de", URL)
    assert mangled.startswith("httpsÖ--greenflux.app-qr-")       # ':' -> Ö, '/' -> -
    assert typed_on("de", EVSE_ID) == "NL(GFX(E12345(1"          # '*' -> (
    assert URL in wedge.candidates(mangled)
    assert EVSE_ID in wedge.candidates("NL(GFX(E12345(1")


@pytest.mark.parametrize("layout", sorted(wedge.LAYOUTS))
@pytest.mark.parametrize("code", [URL, EVSE_ID, "NL-GFX-E12345-1", "https://qr.laadnet.example/evse/NL*ENO*E7*2"])
def test_every_layout_reads_back(layout, code):
    assert code in wedge.candidates(typed_on(layout, code))


def test_text_as_typed_comes_first_and_readings_are_distinct():
    c = wedge.candidates("  Bay 3\n")
    assert c[0] == "Bay 3" and len(c) == len(set(c))


def test_every_layout_is_a_one_to_one_table():
    for layout in wedge.LAYOUTS:
        table = wedge.reverse_table(layout)
        assert table and all(len(k) == 1 and len(v) == 1 for k, v in table.items())
