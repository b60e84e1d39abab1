"""The cache of dataclasses' compiled methods (kiosk/dataclass_cache.py): a class made from the
cache behaves as one Python compiled, a second start compiles nothing, and a damaged,
foreign or unwritable cache only costs the compile."""

from __future__ import annotations

import ast
import dataclasses
import os
import subprocess
import sys
from dataclasses import InitVar, dataclass, field
from pathlib import Path

import pytest

from kiosk import dataclass_cache


@pytest.fixture
def cache_dir(tmp_path):
    yield tmp_path / "cache"
    dataclass_cache.uninstall()


def _define() -> dict:
    """Classes that use what the kiosk's and its libraries' dataclasses use (made anew on every
    call: each is a new class, its methods written and run again)."""

    @dataclass(frozen=True)
    class Price:
        amount: int
        currency: str = "EUR"
        tags: tuple = ()

    @dataclass(order=True)
    class Slot:
        start: int
        end: int = 0
        notes: list = field(default_factory=list, compare=False)

    @dataclass(kw_only=True, slots=True)
    class Reading:
        kw: float
        kwh: float = 0.0

    @dataclass
    class Scaled:
        raw: InitVar[int]
        factor: int = 2
        value: int = field(init=False)

        def __post_init__(self, raw: int) -> None:
            self.value = raw * self.factor

    return {"Price": Price, "Slot": Slot, "Reading": Reading, "Scaled": Scaled}


def _behaviour(cls: dict) -> list:
    """What a user of these classes sees (values, not identities)."""
    p, q = cls["Price"](5), cls["Price"](5, "EUR")
    out: list = [repr(p), p == q, hash(p) == hash(q), p == cls["Price"](6)]
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.amount = 7
    with pytest.raises(TypeError):
        cls["Price"]()                          # a required field
    a, b = cls["Slot"](1, 2, ["x"]), cls["Slot"](1, 3)
    out += [a < b, sorted([b, a]) == [a, b], a == cls["Slot"](1, 2, ["other"]), b.notes is not cls["Slot"](1).notes]
    r = cls["Reading"](kw=11.0)
    out += [repr(r), not hasattr(r, "__dict__")]
    with pytest.raises(TypeError):
        cls["Reading"](11.0)                    # keyword only
    s = cls["Scaled"](21)
    out += [s.value, repr(s)]
    return out


def test_classes_made_from_the_cache_behave_as_compiled_ones_and_a_second_start_compiles_nothing(cache_dir):
    plain = _behaviour(_define())               # Python's own dataclasses

    assert dataclass_cache.install("probe", cache_dir)
    first = _behaviour(_define())
    assert dataclass_cache.stats()["compiled"] >= 10, "nothing went through the cache"
    assert dataclass_cache.save()
    dataclass_cache.uninstall()
    assert "exec" not in vars(dataclasses)

    assert dataclass_cache.install("probe", cache_dir)    # the next start
    second = _behaviour(_define())
    stats = dataclass_cache.stats()
    assert stats["compiled"] == 0 and stats["hits"] >= 10, stats
    assert not dataclass_cache.save(), "nothing new: the file is not written again"
    assert plain == first == second


@pytest.mark.parametrize("content", [
    b"",                                                    # empty
    b"not a cache at all",                                  # someone else's file
    b"KDC1\x00\x00\x00\x00\x00" + b"\x00" * 40,             # another Python's bytecode
    "truncated",                                            # a power cut while written
    "bad entry",                                            # one entry damaged
])
def test_a_damaged_or_foreign_file_only_costs_the_compile(cache_dir, content):
    assert dataclass_cache.install("probe", cache_dir)
    plain = _behaviour(_define())
    assert dataclass_cache.save()
    dataclass_cache.uninstall()
    path = cache_dir / "dataclasses-probe.marshal"
    if content == "truncated":
        content = path.read_bytes()[: path.stat().st_size // 2]
    elif content == "bad entry":
        import marshal

        head = dataclass_cache._HEADER
        known = marshal.loads(path.read_bytes()[len(head):])
        known = {text: b"\xff garbage" for text in known}
        content = head + marshal.dumps(known)
    path.write_bytes(content)

    assert dataclass_cache.install("probe", cache_dir)
    assert _behaviour(_define()) == plain
    assert dataclass_cache.stats()["compiled"] >= 10
    assert dataclass_cache.save(), "the damaged file is written anew"
    dataclass_cache.uninstall()
    assert dataclass_cache.install("probe", cache_dir)
    _define()
    assert dataclass_cache.stats()["compiled"] == 0


def test_an_unwritable_cache_folder_is_no_error(cache_dir):
    cache_dir.parent.mkdir(parents=True, exist_ok=True)
    blocker = cache_dir.parent / "a-file"
    blocker.write_text("")                      # the cache folder would have to be inside a file
    assert dataclass_cache.install("probe", blocker / "cache")
    assert _behaviour(_define()) == _behaviour(_define())
    assert dataclass_cache.save() is False
    assert list(cache_dir.parent.iterdir()) == [blocker]


def test_turned_off_by_the_environment(cache_dir, monkeypatch):
    monkeypatch.setenv("KIOSK_DATACLASS_CACHE", "0")
    assert not dataclass_cache.install("probe", cache_dir)
    _define()
    assert "exec" not in vars(dataclasses)
    assert not dataclass_cache.save() and not cache_dir.exists()


def test_where_the_cache_lives(monkeypatch, tmp_path):
    from kiosk.config import APP_NAME

    assert dataclass_cache.APP_NAME == APP_NAME        # (kept apart: kiosk.config makes dataclasses)
    monkeypatch.setenv("CACHE_DIRECTORY", str(tmp_path / "unit"))      # systemd's CacheDirectory=
    assert dataclass_cache.cache_dir() == tmp_path / "unit"
    monkeypatch.delenv("CACHE_DIRECTORY")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert dataclass_cache.cache_dir() == tmp_path / "xdg" / "charge-assist-kiosk"


def test_the_kiosk_command_writes_its_cache_and_the_next_start_compiles_nothing(tmp_path):
    """The real `kiosk run` (demo, one guest by the autopilot) saves what its start compiled;
    a later process that loads the same modules finds all of it."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CACHE_HOME=str(tmp_path / "xdg"),
               KIOSK_DATA_DIR=str(tmp_path / "data"), KIOSK_LOG_DIR=str(tmp_path / "logs"), KIOSK_CAMERA="none")
    env.pop("CACHE_DIRECTORY", None)
    env.pop("KIOSK_DATACLASS_CACHE", None)
    proc = subprocess.run([sys.executable, "-m", "kiosk", "run", "--demo", "--autopilot", "1", "--sim-speed", "60",
                           "--scan", "inject"], check=False, capture_output=True, text=True, timeout=240, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    path = tmp_path / "xdg" / "charge-assist-kiosk" / "dataclasses-run.marshal"
    assert path.stat().st_size > 10_000
    probe = ("import sys; from pathlib import Path; from kiosk import dataclass_cache as c; "
             f"c.install('run', Path({str(path.parent)!r})); "
             "import kiosk.config, kiosk.api.models, kiosk.api.client, kiosk.services.sessions, "
             "kiosk.services.billing; "
             "print(c.stats())")
    out = subprocess.run([sys.executable, "-c", probe], check=False, capture_output=True, text=True, timeout=120,
                         env=dict(env, PYTHONPATH=str(Path(__file__).parent.parent)))
    assert out.returncode == 0, out.stderr[-2000:]
    stats = ast.literal_eval(out.stdout)
    assert stats["compiled"] == 0 and stats["hits"] > 100, stats
