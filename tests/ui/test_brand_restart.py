"""The location's branding colour is remembered in the data folder: a restart paints its
first frame in it and the board does not re-theme the window (no colour flash, and ~35 ms
less on the way to the board); a new colour, a location without one, a damaged file and a
venue's own colour all still win as they should."""

from __future__ import annotations

import json

from kiosk.services.venue import BRAND_FILE
from tests.plugins.ui import poll_until


def _watch_theme(shell) -> list[str]:
    """The colours the window is re-themed to (the location's branding arriving)."""
    calls: list[str] = []
    orig = shell.apply_theme

    def apply_theme(venue_color=None, high_contrast=None):
        if venue_color is not None:
            calls.append(venue_color)
        return orig(venue_color=venue_color, high_contrast=high_contrast)

    shell.apply_theme = apply_theme
    return calls


def _rebrand(sim, color) -> None:
    """The operator changes (or removes) the locations' branding colour."""
    for loc in sim.venue.locations.values():
        if loc.static.get("branding"):
            loc.static["branding"] = dict(loc.static["branding"], primaryColorHex=color)


async def _start(kiosk_factory, sim, data_dir, **overrides):
    app = kiosk_factory(sim, data_dir=data_dir, **overrides)
    ctx = app.build()
    first = ctx.shell.palette_.primary           # the first frame's colour
    retheme = _watch_theme(ctx.shell)
    await app.start()
    home = ctx.shell.screen("home")
    await poll_until(lambda: home.bay_buttons, what="board")
    return app, first, retheme


def test_a_restart_starts_in_the_locations_colour_and_does_not_retheme(kiosk_factory, sim, ui_loop, tmp_path):
    data = tmp_path / "kiosk-data"

    async def scenario():
        app, first, retheme = await _start(kiosk_factory, sim, data)
        color = app.ctx.venue.branding.primary_color_hex
        assert first != app.ctx.shell.palette_.primary          # first start: the configured green, then...
        assert retheme == [color]                                # ...the location's colour once the board is in
        assert json.loads((data / BRAND_FILE).read_text()) == {"primary_color_hex": color}
        await app.aclose()

        app2, first2, retheme2 = await _start(kiosk_factory, sim, data)    # the same kiosk, restarted
        assert first2 == app2.ctx.shell.palette_.primary         # the first frame is already in the venue's colour
        assert app2.ctx.shell.venue_color == color
        assert retheme2 == []                                    # and the board did not re-theme the window
        await app2.aclose()

        # the operator rebrands the location: the next start re-themes once and remembers the new colour
        _rebrand(sim, "#225588")
        app3, first3, retheme3 = await _start(kiosk_factory, sim, data)
        assert app3.ctx.shell.venue_color == "#225588" and retheme3 == ["#225588"]
        assert json.loads((data / BRAND_FILE).read_text()) == {"primary_color_hex": "#225588"}

    ui_loop.run_until_complete(scenario())


def test_a_damaged_file_or_the_venues_own_colour_win_over_the_remembered_one(kiosk_factory, sim, ui_loop,
                                                                            tmp_path):
    data = tmp_path / "kiosk-data"
    data.mkdir()

    async def scenario():
        (data / BRAND_FILE).write_text("{not json")                  # a power cut mid-write, a full disk
        app, first, retheme = await _start(kiosk_factory, sim, data)
        color = app.ctx.venue.branding.primary_color_hex
        assert retheme == [color]                                     # started in the configured colour
        assert json.loads((data / BRAND_FILE).read_text()) == {"primary_color_hex": color}
        await app.aclose()

        # the venue set its own colour: neither the remembered nor the location's is used
        app2, first2, retheme2 = await _start(kiosk_factory, sim, data, venue_color="#123456")
        assert app2.ctx.shell.venue_color == "#123456" and retheme2 == []

    ui_loop.run_until_complete(scenario())


def test_a_location_without_a_colour_any_more_brings_back_the_configured_one(kiosk_factory, sim, ui_loop,
                                                                            tmp_path):
    data = tmp_path / "kiosk-data"
    data.mkdir()
    (data / BRAND_FILE).write_text(json.dumps({"primary_color_hex": "#7A1F3D"}))
    _rebrand(sim, None)

    async def scenario():
        app, first, retheme = await _start(kiosk_factory, sim, data)
        configured = app.ctx.settings.venue_color
        assert app.ctx.shell.venue_color == configured and retheme == [configured]
        assert not (data / BRAND_FILE).exists()

    ui_loop.run_until_complete(scenario())


def test_a_partial_answer_keeps_the_remembered_colour(kiosk_factory, sim, ui_loop, tmp_path):
    """One of the venue's locations did not load (it may be the one with the colour): the
    kiosk keeps the remembered colour and its file, it does not fall back to the configured one."""
    data = tmp_path / "kiosk-data"
    data.mkdir()
    (data / BRAND_FILE).write_text(json.dumps({"primary_color_hex": "#7A1F3D"}))
    _rebrand(sim, None)

    async def scenario():
        ids = list(sim.venue.location_ids) + ["NL-GFX-NO-SUCH-LOCATION"]
        app, first, retheme = await _start(kiosk_factory, sim, data, venue_location_ids=ids)
        assert not app.ctx.venue.loaded_all()
        assert app.ctx.shell.venue_color == "#7A1F3D" and retheme == []
        assert json.loads((data / BRAND_FILE).read_text()) == {"primary_color_hex": "#7A1F3D"}

    ui_loop.run_until_complete(scenario())
