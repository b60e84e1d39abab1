"""``kiosk screenshots --out DIR``: every screen in all four languages, different per
language, and no label or button whose text is cut off at the default window size."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from kiosk.i18n import LANGUAGES


@pytest.mark.slow
def test_screenshots_every_screen_all_languages_nothing_cut_off(tmp_path):
    out = tmp_path / "shots"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", KIOSK_LOG_DIR=str(tmp_path / "logs"))
    proc = subprocess.run([sys.executable, "-m", "kiosk", "screenshots", "--out", str(out)],
                          capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    names = {lang: sorted(p.name for p in (out / lang).glob("*.png")) for lang in LANGUAGES}
    expected = {"home", "charger", "room", "starting", "started", "code", "live", "stop_confirm", "receipt", "pin"}
    for lang in LANGUAGES:
        shown = {n.split("-", 1)[1].removesuffix(".png") for n in names[lang]}
        assert expected <= shown, (lang, expected - shown)
        assert names[lang] == names["en"]
    for name in names["en"]:
        data = {lang: (out / lang / name).read_bytes() for lang in LANGUAGES}
        assert all(len(d) > 5000 for d in data.values())
        assert len(set(data.values())) == 4, f"{name} looks the same in two languages"
    index = json.loads((out / "index.json").read_text())
    assert index["cut_off"] == {}, json.dumps(index["cut_off"], indent=1, ensure_ascii=False)
