"""The design system as a guest and a staff member meet it, on real widgets: one guest cycle
(and the staff desk's tabs) photographed at a sample of sizes and both themes, and on every
screen: contrast measured from the pixels, touch targets and text size from the geometry
and the panel's size, the reach zone of a portrait totem, and (at 1280x800, all four
languages) a human, translated name on every element the accessibility tree exposes.
The full set of sizes is ``kiosk screenshots``."""

from __future__ import annotations

import json

import pytest

from kiosk.i18n import LANGUAGES
from tests.ui import design_checks as dc

#: (width, height, high contrast): the Pi's 7", a portrait totem in both themes, 10", 1080p
VARIANTS = [(800, 480, False), (800, 480, True), (1080, 1920, False), (1080, 1920, True), (1280, 800, False),
            (1920, 1080, True)]
A11Y_AT = (1280, 800, False)
#: contrast is measured where both themes are shot at one size (the pixels do not depend on it)
CONTRAST_AT = {(800, 480, False), (800, 480, True), (1080, 1920, False), (1080, 1920, True)}


@pytest.mark.slow
@pytest.mark.timeout(420)
def test_every_screen_meets_contrast_size_reach_and_names(kiosk_factory, sim, ui_loop, tmp_path):
    from kiosk.ui.autopilot import Autopilot

    found: dict[str, list[str]] = {"contrast": [], "touch": [], "text_size": [], "reach": [], "names": [],
                                   "state": []}
    minima: dict[str, dict[str, float]] = {}
    named: dict[str, int] = {}
    smallest: dict[str, float] = {}
    seen: set[tuple[str, str]] = set()
    untranslated = {lang: dc.untranslated_names(lang) for lang in LANGUAGES}

    class Checking(Autopilot):
        async def _shot_languages(self, name, base):
            sh = self.shell
            variant = (sh.width(), sh.height(), sh.high_contrast)
            self.languages = list(LANGUAGES) if variant == A11Y_AT else ["en"]
            await super()._shot_languages(name, base)
            for lang in self.languages:
                if lang != "en":
                    flow_screen = sh.current_name() in sh.flow_screens
                    if flow_screen:
                        self.ctx.flow.set_language(lang)
                    else:
                        from kiosk.i18n import set_language
                        set_language(lang)
                    await __import__("asyncio").sleep(0.03)
                self.check(name, variant, lang)
            if self.languages != ["en"]:
                if sh.current_name() in sh.flow_screens:
                    self.ctx.flow.set_language("en")
                else:
                    from kiosk.i18n import set_language
                    set_language("en")

        def check(self, name, variant, lang):
            sh = self.shell
            w, h, high = variant
            scr = sh.current_screen()
            where = f"{w}x{h}/{'high' if high else 'normal'}/{lang}/{name}"
            seen.add((name, "high" if high else "normal"))
            m = sh.metrics
            if lang == "en" and variant in CONTRAST_AT:
                theme = sh.palette_.name
                res = dc.measure_contrast(sh, sh, sh.palette_.text_min)
                if name.startswith("staff-"):
                    st = dc.staff_contrast(sh, scr, sh.palette_.text_min)
                    res["text"] = min(res["text"], st["text"])
                    res["fails"] += st["fails"]
                mins = minima.setdefault(theme, {"text": 99.0, "large": 99.0, "boundary": 99.0})
                for k in mins:
                    mins[k] = min(mins[k], res[k])
                found["contrast"] += [f"{where}: {f}" for f in res["fails"]]
            if lang == "en":
                found["touch"] += [f"{where}: {p}" for p in dc.touch_problems(sh, scr, m.touch)]
                low, bad = dc.text_size_problems(scr, m.px_per_mm)
                smallest[f"{w}x{h}"] = min(smallest.get(f"{w}x{h}", 99.0), low)
                found["text_size"] += [f"{where}: {p}" for p in bad]
                if h > w and not name.startswith("staff-") and name != "pin":
                    found["reach"] += [f"{where}: {p}" for p in dc.reach_problems(sh, scr, m.reach_top)]
                from PySide6.QtWidgets import QAbstractScrollArea, QScroller

                for area in scr.findChildren(QAbstractScrollArea):   # what scrolls, scrolls by touch
                    if dc.shown(scr, area) and area.verticalScrollBar().maximum() > 0 and \
                            not QScroller.hasScroller(area.viewport()):
                        found["state"].append(f"{where}: {area.objectName()} scrolls without kinetic touch")
                for b in dc.controls(scr):     # a checked choice is not shown by colour alone
                    if b.isCheckable() and b.isChecked() and not dc.checked_by_shape(b):
                        found["state"].append(f"{where}: {b.objectName()} checked by colour only")
            if variant == A11Y_AT:
                n, bad = dc.accessible_names(sh, untranslated[lang])
                named[lang] = named.get(lang, 0) + n
                found["names"] += [f"{where}: {p}" for p in bad]

    async def scenario():
        app = kiosk_factory(sim, attendant_pin="1357")
        await app.start()
        pilot = Checking(app, scan="inject", screenshots=tmp_path / "shots", languages=["en"], variants=VARIANTS,
                         staff_pin="1357")
        rep = await pilot.run(1)
        assert rep["cycles_failed"] == 0, rep["errors"]
        return rep

    rep = ui_loop.run_until_complete(scenario())
    print("\nDESIGN FIGURES " + json.dumps({"contrast_minima": minima, "named_elements": named,
                                            "smallest_capital_mm": smallest}, sort_keys=True))
    screens = {n for n, _t in seen}
    assert {"home", "charger", "live", "receipt", "staff-sessions", "staff-settings"} <= screens, screens
    assert {t for _n, t in seen} == {"normal", "high"}
    report = [f"{kind}: {len(problems)} problems, e.g.\n" + "\n".join(sorted(set(problems))[:12])
              for kind, problems in found.items() if problems]
    assert not report, "\n".join(report)
    assert rep["cut_off"] == {}, json.dumps(rep["cut_off"], indent=1, ensure_ascii=False)[:3000]
    assert rep["outside_window"] == {}, rep["outside_window"]
    # the figures are real: the minima come from measured pixels of both themes
    assert minima["normal"]["text"] >= 4.5 and minima["high"]["text"] >= 7.0
    assert all(named[lang] > 50 for lang in LANGUAGES), named
