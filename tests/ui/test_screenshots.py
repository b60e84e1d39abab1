"""``kiosk screenshots --out DIR``: every guest and staff screen at each size, theme and
language (here a sample: the Pi's 800x480 and a 1080x1920 totem, high contrast, English and
German; the command's default is all four sizes, both themes, four languages), different per
language, no text cut off and no control outside the window."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_screenshots_sample_nothing_cut_off_nothing_outside(tmp_path):
    out = tmp_path / "shots"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", KIOSK_LOG_DIR=str(tmp_path / "logs"))
    langs = ["en", "de"]
    proc = subprocess.run([sys.executable, "-m", "kiosk", "screenshots", "--out", str(out), "--sizes",
                           "800x480,1080x1920", "--themes", "high", "--languages", ",".join(langs)],
                          capture_output=True, text=True, timeout=280, env=env)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    expected = {"home", "charger", "room", "starting", "started", "code", "live", "stop_confirm", "receipt",
                "start_failed", "pin",
                "staff-sessions", "staff-history", "staff-wallet", "staff-diagnostics", "staff-audit",
                "staff-settings"}
    for size in ("800x480", "1080x1920"):
        folder = out / size / "high"
        names = {lang: sorted(p.name for p in (folder / lang).glob("*.png")) for lang in langs}
        for lang in langs:
            shown = {n.split("-", 1)[1].removesuffix(".png") for n in names[lang]}
            assert expected <= shown, (size, lang, expected - shown)
            assert names[lang] == names["en"]
        for name in names["en"]:
            data = {lang: (folder / lang / name).read_bytes() for lang in langs}
            assert all(len(d) > 5000 for d in data.values())
            assert len(set(data.values())) == len(langs), f"{size}/{name} looks the same in two languages"
    index = json.loads((out / "index.json").read_text())
    assert index["cut_off"] == {}, json.dumps(index["cut_off"], indent=1, ensure_ascii=False)[:3000]
    assert index["outside_window"] == {}, index["outside_window"]
