"""What a handheld QR scanner typed, read back as the code it scanned.

A desk's USB scanner is a "keyboard wedge": it decodes the QR code and sends the key
presses a US keyboard would need to type it, and the computer turns those keys into
characters with *its own* keyboard layout. On a German desk ``https://`` arrives as
``httpsÖ--`` (the US ``;`` key is ``ö`` there, ``/`` is ``-``), ``*`` as ``(``; on a French
desk the digits arrive as ``&é"'(`` and ``.`` as ``:``. Nothing in the text says which
layout mangled it, so :func:`candidates` reads it back under each common layout (the text
as typed first); the desk keeps the first reading that is a charger it knows or a code the
charging service accepts.

Layouts: US (no change), German and Austrian (QWERTZ), Swiss German, French (AZERTY),
Belgian (AZERTY) and British. Each is given as its four rows of keys, unshifted and
shifted, in the positions of the US keyboard's keys; the reverse table (what the layout
typed -> what the scanner meant) is derived from them. Dead keys (``^``, ``¨``, ``´``,
``` ` ```) come through as themselves or not at all: codes the kiosk reads contain none of
the characters that need them.
"""

from __future__ import annotations

from functools import lru_cache

#: The US keyboard, the scanner's idea of a keyboard: (unshifted, shifted) per row, the
#: key beside Enter (``\\|``) last in the second row.
US = (("`1234567890-=", "~!@#$%^&*()_+"),
      ("qwertyuiop[]\\", "QWERTYUIOP{}|"),
      ("asdfghjkl;'", 'ASDFGHJKL:"'),
      ("zxcvbnm,./", "ZXCVBNM<>?"))

#: The same key positions on other layouts (the ISO key left of Z has no US twin: unused).
LAYOUTS: dict[str, tuple[tuple[str, str], ...]] = {
    "de": (("^1234567890ß´", '°!"§$%&/()=?`'),
           ("qwertzuiopü+#", "QWERTZUIOPÜ*'"),
           ("asdfghjklöä", "ASDFGHJKLÖÄ"),
           ("yxcvbnm,.-", "YXCVBNM;:_")),
    "ch": (("§1234567890'^", '°+"*ç%&/()=?`'),
           ("qwertzuiopü¨$", "QWERTZUIOPè!£"),
           ("asdfghjklöä", "ASDFGHJKLéà"),
           ("yxcvbnm,.-", "YXCVBNM;:_")),
    "fr": (("²&é\"'(-è_çà)=", "³1234567890°+"),
           ("azertyuiop^$*", "AZERTYUIOP¨£µ"),
           ("qsdfghjklmù", "QSDFGHJKLM%"),
           ("wxcvbn,;:!", "WXCVBN?./§")),
    "be": (("²&é\"'(§è!çà)-", "³1234567890°_"),
           ("azertyuiop^$µ", "AZERTYUIOP¨*£"),
           ("qsdfghjklmù", "QSDFGHJKLM%"),
           ("wxcvbn,;:=", "WXCVBN?./+")),
    "uk": (("`1234567890-=", "¬!\"£$%^&*()_+"),
           ("qwertyuiop[]#", "QWERTYUIOP{}~"),
           ("asdfghjkl;'", "ASDFGHJKL:@"),
           ("zxcvbnm,./", "ZXCVBNM<>?")),
}


@lru_cache(maxsize=None)
def reverse_table(layout: str) -> dict[str, str]:
    """What ``layout`` typed -> what the scanner sent (only the characters that differ)."""
    table: dict[str, str] = {}
    for (us_plain, us_shift), (plain, shift) in zip(US, LAYOUTS[layout], strict=True):
        if len(plain) != len(us_plain) or len(shift) != len(us_shift):
            raise ValueError(f"layout {layout}: a row has the wrong number of keys")
        for typed, meant in zip(plain + shift, us_plain + us_shift, strict=True):
            if typed != meant and typed not in table:
                table[typed] = meant
    return table


def read_as(text: str, layout: str) -> str:
    """``text`` as a US keyboard would have typed it, had the desk's layout been ``layout``."""
    table = reverse_table(layout)
    return "".join(table.get(ch, ch) for ch in text)


def candidates(text: str) -> list[str]:
    """The readings of a scanner's keystrokes: the text as typed, then under each layout
    (distinct ones only, in the order of :data:`LAYOUTS`). Surrounding white space and a
    trailing Enter's line break are dropped."""
    text = (text or "").strip()
    out = [text]
    for layout in LAYOUTS:
        reading = read_as(text, layout)
        if reading not in out:
            out.append(reading)
    return out
