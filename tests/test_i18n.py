"""Every guest-visible message (every `_()` / `_.n()` / `N_()` call) exists in Dutch,
German and French, with the same placeholders as the English source."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from kiosk.i18n import LOCALE_DIR, Translator, set_language, current_language

ROOT = Path(__file__).resolve().parent.parent
DOMAIN_RE = re.compile(r"""Translator\(\s*["'](\w+)["']\s*\)""")
KEYWORDS = {"_": None, "N_": None, "n": (1, 2)}
PLACEHOLDER = re.compile(r"\{(\w*)[^{}]*\}")


def messages_by_domain():
    found: dict[str, dict[str, str]] = {}
    for path in sorted((ROOT / "kiosk").rglob("*.py")):
        m = DOMAIN_RE.search(path.read_text(encoding="utf-8"))
        if not m:
            continue
        domain = m.group(1)
        for _lineno, msg, _comments, _ctx in extract_from_file("python", str(path), keywords=KEYWORDS):
            msgs = msg if isinstance(msg, tuple) else (msg,)
            for one in msgs:
                if one:
                    found.setdefault(domain, {})[one] = f"{path.relative_to(ROOT)}:{_lineno}"
    return found


def test_every_message_is_translated():
    missing = []
    for domain, msgs in messages_by_domain().items():
        for lang in ("nl", "de", "fr"):
            po = LOCALE_DIR / lang / f"{domain}.po"
            catalog = read_po(po.open("rb"), locale=lang) if po.is_file() else None
            for msgid, where in msgs.items():
                entry = catalog.get(msgid) if catalog else None
                if entry is None:
                    # plural entries are keyed by their singular
                    entry = next((e for e in (catalog or []) if isinstance(e.id, tuple) and msgid in e.id), None)
                texts = ([entry.string] if isinstance(entry.string, str) else list(entry.string)) if entry else []
                if not texts or not all(texts):
                    missing.append(f"{lang}/{domain}.po: {msgid!r} ({where})")
                    continue
                want = sorted(set(PLACEHOLDER.findall(msgid)) - {"n"})
                for t in texts:
                    if sorted(set(PLACEHOLDER.findall(t)) - {"n"}) != want:
                        missing.append(f"{lang}/{domain}.po: placeholders differ for {msgid!r}")
    assert not missing, "untranslated or broken messages:\n" + "\n".join(missing[:60])


def test_translator_switches_language(tmp_path, monkeypatch):
    import kiosk.i18n as i18n

    (tmp_path / "nl").mkdir()
    (tmp_path / "nl" / "t.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
        '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
        'msgid "Start charging"\nmsgstr "Start laden"\n\n'
        'msgid "{n} charger"\nmsgid_plural "{n} chargers"\nmsgstr[0] "{n} laadpunt"\nmsgstr[1] "{n} laadpunten"\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.reload_catalogues()
    _ = Translator("t")
    before = current_language()
    try:
        set_language("nl")
        assert _("Start charging") == "Start laden"
        assert _.n("{n} charger", "{n} chargers", 3) == "3 laadpunten"
        assert _("Start charging", lang="en") == "Start charging"
        with pytest.raises(ValueError):
            set_language("xx")
    finally:
        set_language(before)
        i18n.reload_catalogues()


def test_staff_and_guests_call_a_bay_by_the_same_word():
    """A guest reads "Platz 3" on the kiosk and asks reception about it: the desk says "Platz 3"
    too (it said "Stellplatz"; in French "Emplacement", which is also the kiosk's "Location")."""
    def catalog(lang, domain):
        return read_po((LOCALE_DIR / lang / f"{domain}.po").open("rb"), locale=lang)

    for lang in ("nl", "de", "fr"):
        ui, staff = catalog(lang, "ui"), catalog(lang, "attendant")
        word = ui.get("Bay {n}").string.split("{")[0].strip()
        assert staff.get("Bay").string == word, lang
        assert ui.get("Level {level}, bay {n}").string.lower().split(",")[1].split("{")[0].strip() == word.lower()
        if ui.get("Location") is not None:
            assert ui.get("Location").string != word, lang


#: One word for each thing in what guests read (screens, session states, room billing, scans):
#: a Dutch guest read "laadpaal" on Home and "laadpunt" on the failed start, and "zuil" (a
#: charging column to a Dutch driver) for the kiosk; a German guest "Ladestation",
#: "Ladesäule" and "Ladepunkt" in one start, and "Sitzung" beside the "Mein Ladevorgang"
#: button; a French guest "réception" beside "accueil", "kiosque" beside "borne d'accueil",
#: "code QR" beside "QR code".
GLOSSARY = {
    "nl": {"laadpaal": (r"laadpunt", r"\bzuil"), "kiosk": ()},
    "de": {"ladestation": (r"ladesäule", r"ladepunkt"), "ladevorgang": (r"\bsitzung\b", r"ladesitzung"),
           "stecker": (r"\banschluss",), "terminal": (r"\bkiosks?\b(?! doctor)",)},
    "fr": {"borne": (r"kiosque", r"chargeur"), "accueil": (r"réception",), "qr code": (r"codes? qr",)},
}
#: ... of which staff and guests share the words for the charger and the kiosk (staff speak
#: of "Sitzungen", a session being their unit of work)
#: ... of which these are rarer in what guests read (the connector: its label and one error)
MIN_USES = {"stecker": 2}
STAFF_TOO = {"laadpaal", "kiosk", "ladestation", "borne", "qr code", "terminal"}


def _texts(lang: str, domains: tuple[str, ...]) -> list[str]:
    texts = []
    for domain in domains:
        for msg in read_po((LOCALE_DIR / lang / f"{domain}.po").open("rb"), locale=lang):
            if not msg.id:
                continue          # the catalogue's header
            strings = [msg.string] if isinstance(msg.string, str) else list(msg.string or ())
            texts += [s.lower() for s in strings if s]
    return texts


def test_guests_read_one_word_for_each_thing():
    for lang, words in GLOSSARY.items():
        guest, staff = _texts(lang, ("ui", "core", "billing", "payload")), _texts(lang, ("attendant", "desk"))
        for word, others in words.items():
            assert sum(word in t for t in guest) >= MIN_USES.get(word, 5), (lang, word)   # the word guests read
            texts = guest + staff if word in STAFF_TOO else guest
            stray = [t for t in texts if any(re.search(o, t) for o in others)]
            assert stray == [], (lang, word, stray[:5])


def test_french_writes_one_apostrophe():
    """French texts used the typographic apostrophe in one sentence and the straight one in
    the next ("Impossible d’afficher" above "L'établissement"); all are typographic now."""
    for domain in ("ui", "core", "billing", "payload", "tariff", "attendant", "desk", "deploy"):
        straight = [t for t in _texts("fr", (domain,)) if re.search(r"\w'\w", t)]
        assert straight == [], (domain, straight[:3])
