"""What a guest must see is never cut off or scrolled away: a checked button (drawn bold, in
a thicker border) keeps its whole text, in every language and both themes; and on the
Pi's 800x480 the payer choice stays in sight beside Start, not below the fold of the
scrolling price card."""

from __future__ import annotations

import asyncio

from kiosk.i18n import LANGUAGES
from kiosk.ui.autopilot import cut_off_texts, outside_window
from tests.plugins.ui import click, poll_until


def _in_scroll_area(w, root) -> bool:
    from PySide6.QtWidgets import QAbstractScrollArea

    p = w.parentWidget()
    while p is not None and p is not root:
        if isinstance(p, QAbstractScrollArea):
            return True
        p = p.parentWidget()
    return False


def test_checked_buttons_keep_their_text_in_every_language_and_theme(kiosk_factory, sim, ui_loop):
    """The high-contrast switch, once on, read "High contras" at 1280x800 (and "Hoher Kontr"):
    Qt sized it for its normal text, the theme paints it bold."""
    async def scenario():
        ctx = await kiosk_factory(sim).start()
        sh = ctx.shell
        home = sh.screen("home")
        await poll_until(lambda: home.bay_buttons, what="board")
        problems = []
        for size in ((1280, 800), (1920, 1080), (1080, 1920)):
            sh.resize(*size)
            for lang in LANGUAGES:
                ctx.flow.set_language(lang)
                for on in (True, False):
                    if home.contrast.isChecked() != on:
                        click(home.contrast)
                    await asyncio.sleep(0.03)
                    where = f"{size} {lang} high contrast {'on' if on else 'off'}"
                    assert sh.high_contrast == on
                    problems += [f"{where}: {p}" for p in cut_off_texts(home) + outside_window(sh, home)]
        assert not problems, problems[:10]

    ui_loop.run_until_complete(scenario())


def test_at_800x480_the_payer_choice_is_in_sight_beside_start(kiosk_factory, sim, ui_loop):
    async def scenario():
        ctx = await kiosk_factory(sim, room_payment=True).start()
        sh = ctx.shell
        sh.resize(800, 480)
        await poll_until(lambda: sh.screen("home").bay_buttons, what="board")
        avail = [b for b in ctx.venue.bays if b.status == "AVAILABLE"]
        sh.screen("home").open_bay(avail[0])
        ch = sh.screen("charger")
        await poll_until(lambda: ch.details is not None, what="details")
        for lang in LANGUAGES:
            ctx.flow.set_language(lang)
            await asyncio.sleep(0.03)
            for w in (ch.pay_venue, ch.pay_room, ch.room_text, ch.start):
                assert w.isVisible() and not _in_scroll_area(w, ch), (lang, w.objectName())
            assert not outside_window(sh, ch), (lang, outside_window(sh, ch))
            assert not cut_off_texts(ch), (lang, cut_off_texts(ch))
            assert ch.room_text.text()                  # what the guest pays, said in sight

    ui_loop.run_until_complete(scenario())


SIZES = ((800, 480), (1280, 800), (1920, 1080), (1080, 1920))


def test_the_idle_prompt_and_out_of_order_fit_every_size_language_and_theme(kiosk_factory, sim, ui_loop):
    """Two screens the screenshot run does not reach (a guest who walks away mid-flow, a kiosk
    whose journal cannot be written): their texts whole and inside the window everywhere."""
    from kiosk.i18n import set_language
    from kiosk.ui.screens.out_of_order import REASONS, OutOfOrderScreen

    async def scenario():
        ctx = await kiosk_factory(sim, idle_prompt_s=60).start()
        sh = ctx.shell
        await poll_until(lambda: sh.screen("home").bay_buttons, what="board")
        click(sh.screen("home").my_session)          # a guest types a code, then walks away
        ctx.flow.choose_code_charger(sim.venue.venue_evses()[0].evse_uid)
        sh.set_idle_timeout(61)
        await poll_until(lambda: sh.idle_prompt.isVisible() and ctx.flow.warning() is not None, 5,
                         what="still-there prompt")
        async def everywhere():
            """Each size, theme and language in turn (laid out), named."""
            for size in SIZES:
                sh.resize(*size)
                for high in (False, True):
                    sh.apply_theme(high_contrast=high)
                    for lang in LANGUAGES:
                        set_language(lang)
                        await asyncio.sleep(0.02)
                        yield f"{size} {'high' if high else 'normal'} {lang}"

        problems = []
        async for where in everywhere():
            assert sh.idle_prompt.isVisible() and sh.idle_prompt.title.text()
            problems += [f"idle prompt {where}: {p}" for p in cut_off_texts(sh.idle_prompt)
                         + outside_window(sh, sh.idle_prompt.card)]
        click(sh.idle_prompt.keep)
        if not sh.has_screen("out_of_order"):
            sh.add_screen("out_of_order", OutOfOrderScreen())
        ooo = sh.screen("out_of_order")
        sh.show_screen("out_of_order")
        for reason in REASONS:
            ooo.set_reason(reason, "")
            async for where in everywhere():
                assert ooo.isVisible() and ooo.staff.text()
                problems += [f"out of order ({reason}) {where}: {p}" for p in cut_off_texts(ooo)
                             + outside_window(sh, ooo)]
        assert not problems, problems[:10]

    ui_loop.run_until_complete(scenario())


def test_at_800x480_the_staff_tabs_that_do_not_fit_are_reached_by_touch_sized_arrows(kiosk_factory, sim, ui_loop):
    """German tab labels overflow the Pi's 7" screen: the tab bar's scroll arrows were 13 px
    wide, too narrow for a finger. They are a touch target wide each (``QTabBar::scroller``)."""
    from PySide6.QtWidgets import QTabBar, QToolButton

    from kiosk.i18n import set_language

    async def scenario():
        app = kiosk_factory(sim, attendant_pin="1357")
        ctx = await app.start()
        sh = ctx.shell
        sh.resize(800, 480)
        area = sh.screen("attendant")
        assert await area.login_async("1357")
        sh.show_screen("attendant")
        try:
            set_language("de")
            await asyncio.sleep(0.05)
            bar = area.tabs.findChild(QTabBar)
            arrows = [b for b in bar.findChildren(QToolButton) if b.isVisible()]
            assert len(arrows) == 2, "the German tabs should not fit at 800 px (else this checks nothing)"
            # what a finger can hit: the part of each arrow inside the tab bar (before, a 55 px
            # button in a 13 px slot, the rest under its neighbour or outside the bar)
            shown = [bar.rect().intersected(b.geometry()) for b in arrows]
            assert shown[0].intersected(shown[1]).width() <= 4 * 2       # (Qt lets them share their borders)
            assert all(r.width() >= sh.metrics.touch - 1 and r.height() >= sh.metrics.touch // 2 for r in shown), \
                [(r.x(), r.width(), r.height()) for r in shown]
        finally:
            set_language("en")
            area.on_exit()

    ui_loop.run_until_complete(scenario())
