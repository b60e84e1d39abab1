"""Which Debian packages does the kiosk need, derived from what it actually loads?

Two profiles:

``desktop``  what ``make test`` and ``make demo`` run: the kiosk under X11 (Xvfb or a real
             display, Qt's ``xcb`` platform plugin) and headless (``offscreen``). Observed:
             ``kiosk run --demo --autopilot 1`` runs once per platform and every shared
             object mapped into it is read from ``/proc/<pid>/maps`` while it runs (this
             catches what Qt ``dlopen``s at run time, e.g. ``libxcb-cursor``, which ``ldd``
             of the plugin does not show); plus ``ldd`` of the platform plugins.
``pi``       what the packaged kiosk loads on a Raspberry Pi: Qt's ``wayland`` platform
             (under cage) and ``eglfs`` with their integrations, the Qt modules the kiosk
             imports and the Python wheels' native libraries. Not runnable here (no
             compositor, no DRM), so ``ldd`` of those files.

Every library outside the virtual environment is mapped to its Debian package with
``dpkg -S``. A package is *provided* when a minimal Debian 12 has it (debootstrap's default
set, ``packaging/minbase-bookworm.list``) or when it is in the closure (``apt-cache depends
--recurse``) of the lists that install it: the Makefile's for ``desktop``, the .deb's
``Depends`` for ``pi``. ``tests/deploy/test_system_packages.py`` fails on anything else.

    python packaging/system_libs.py desktop|pi [--json]

Standard library only (it also runs from ``make`` before the venv exists).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MINBASE = ROOT / "packaging" / "minbase-bookworm.list"

#: Plugin files (globs under PySide6/Qt/plugins) of each profile that are checked with ldd.
PLUGINS = {
    "desktop": ["platforms/libqxcb.so", "platforms/libqoffscreen.so", "platforms/libqminimal.so",
                "xcbglintegrations/*.so", "platforminputcontexts/libcomposeplatforminputcontextplugin.so"],
    "pi": ["platforms/libqwayland*.so", "wayland-shell-integration/*.so",
           "wayland-graphics-integration-client/*.so", "wayland-decoration-client/*.so",
           "platforms/libqeglfs.so", "egldeviceintegrations/libqeglfs-kms-egldevice-integration.so",
           "egldeviceintegrations/libqeglfs-emu-integration.so", "generic/libqevdev*.so",
           "platforminputcontexts/libcomposeplatforminputcontextplugin.so"],
}
#: The Python packages with native code the kiosk imports (their bundled libraries are
#: checked with ldd for the pi profile; the desktop profile observes them being loaded).
NATIVE_PACKAGES = ("PySide6", "shiboken6", "cv2", "zxingcpp", "numpy", "psutil", "pydantic_core")
#: Libraries loaded with ctypes by name (not visible to ldd): soname -> why.
CTYPES_LIBS = {"libzbar.so.0": "pyzbar"}


def site_packages(python: str) -> Path:
    out = subprocess.run([python, "-c", "import PySide6, pathlib; print(pathlib.Path(PySide6.__file__).parents[1])"],
                         capture_output=True, text=True, check=True).stdout.strip()
    return Path(out)


def qt_modules(python: str) -> list[str]:
    """The PySide6 modules the kiosk imports (every kiosk module imported in a child)."""
    code = ("import importlib, pkgutil, sys, kiosk\n"
            "for m in pkgutil.walk_packages(kiosk.__path__, 'kiosk.'):\n"
            "    try: importlib.import_module(m.name)\n"
            "    except Exception: pass\n"
            "print(' '.join(sorted(n for n in sys.modules if n.startswith('PySide6.Qt'))))\n")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT).stdout
    return [w for w in (out.splitlines() or [""])[-1].split() if re.fullmatch(r"PySide6\.Qt\w+", w)]


def ldd(path: Path) -> tuple[set[str], set[str]]:
    """(resolved library paths, sonames not found) of one shared object."""
    res = subprocess.run(["ldd", str(path)], capture_output=True, text=True)
    found, missing = set(), set()
    for line in res.stdout.splitlines():
        m = re.match(r"\s*(\S+)\s+=>\s+(\S+)", line)
        if not m:
            continue
        if m.group(2) == "not":
            missing.add(m.group(1))
        elif m.group(2).startswith("/"):
            found.add(m.group(2))
    return found, missing


def _native_files(sp: Path, modules: Iterable[str]) -> list[Path]:
    files: list[Path] = []
    for mod in modules:                         # PySide6.QtWidgets -> QtWidgets.abi3.so
        files += sp.joinpath("PySide6").glob(mod.split(".")[1] + ".*.so")
    for pkg in NATIVE_PACKAGES:
        base = sp / pkg
        if base.is_dir():
            files += [p for p in base.rglob("*.so*") if "/plugins/" not in str(p) and "/qml/" not in str(p)]
        files += list(sp.glob(pkg + "*.so"))
    for libs in sp.glob("*.libs"):              # auditwheel's vendored libraries
        files += list(libs.glob("*.so*"))
    return files


def observe(python: str, platform: str, timeout: float = 120.0) -> set[str]:
    """Shared objects mapped into ``kiosk run --demo --autopilot 1`` on ``platform``."""
    env = dict(os.environ, QT_QPA_PLATFORM=platform, PYTHONDONTWRITEBYTECODE="1")
    xvfb = None
    if platform == "xcb" and not env.get("DISPLAY"):
        if not shutil.which("Xvfb"):
            raise RuntimeError("Xvfb is needed to observe the xcb platform (apt-get install xvfb)")
        r, w = os.pipe()
        xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(w), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                                pass_fds=(w,), stderr=subprocess.DEVNULL)
        os.close(w)
        with os.fdopen(r) as f:
            env["DISPLAY"] = ":" + f.readline().strip()
    tmp = tempfile.mkdtemp(prefix="kiosk-libs-")
    env.update(KIOSK_DATA_DIR=tmp + "/data", KIOSK_LOG_DIR=tmp + "/log", KIOSK_CAMERA="synthetic",
               KIOSK_SIM_SPEED="200")
    mapped: set[str] = set()
    proc = subprocess.Popen([python, "-m", "kiosk", "run", "--demo", "--autopilot", "1", "--windowed"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + timeout
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                for line in Path(f"/proc/{proc.pid}/maps").read_text().splitlines():
                    parts = line.split(maxsplit=5)
                    if len(parts) == 6 and ".so" in parts[5]:
                        mapped.add(parts[5].strip())
            except (OSError, ProcessLookupError):
                pass
            time.sleep(0.2)
        if proc.poll() is None:
            proc.kill()
            raise RuntimeError(f"kiosk on {platform} did not finish in {timeout:.0f} s")
        if proc.returncode != 0:
            raise RuntimeError(f"kiosk on {platform} failed ({proc.returncode}):\n{proc.stderr.read()[-3000:]}")
    finally:
        if proc.poll() is None:
            proc.kill()
        if xvfb is not None:
            xvfb.terminate()
            xvfb.wait(5)
        shutil.rmtree(tmp, ignore_errors=True)
    return mapped


def owners(paths: Iterable[str]) -> dict[str, str]:
    """{path: the Debian package that installed it}, following symlinks and the /usr merge
    (one ``dpkg -S`` for all: it reads the whole file database each time)."""
    alias: dict[str, str] = {}
    for path in paths:
        for p in {path, os.path.realpath(path)}:
            alias[p] = path
            if p.startswith("/lib"):
                alias["/usr" + p] = path
            elif p.startswith("/usr/lib"):
                alias[p[4:]] = path
    found: dict[str, str] = {}
    if not alias:
        return found
    out = subprocess.run(["dpkg", "-S", *sorted(alias)], capture_output=True, text=True).stdout
    for line in out.splitlines():
        pkgs, _, p = line.partition(": ")
        if p in alias and not pkgs.startswith("diversion"):
            found.setdefault(alias[p], pkgs.split(",")[0].split(":")[0].strip())
    return found


def closure(packages: Iterable[str]) -> set[str]:
    """The packages and everything they depend on (pre-depends too; no recommends)."""
    pk = sorted(set(packages))
    if not pk:
        return set()
    out = subprocess.run(["apt-cache", "depends", "--recurse", "--no-recommends", "--no-suggests", "--no-conflicts",
                          "--no-breaks", "--no-replaces", "--no-enhances", *pk],
                         capture_output=True, text=True).stdout
    got = set(pk)
    for line in out.splitlines():
        if line and not line.startswith(" "):
            got.add(line.strip().split(":")[0])
        elif "Depends:" in line:
            got.add(line.split(":", 1)[1].strip().strip("<>").split(":")[0])
    return got


def minbase() -> set[str]:
    return {w for w in MINBASE.read_text().split() if not w.startswith("#")}


def makefile_lists() -> dict[str, list[str]]:
    """``NAME := words`` of the Makefile's package lists (DEB_*)."""
    text = (ROOT / "Makefile").read_text()
    lists: dict[str, list[str]] = {}
    for m in re.finditer(r"^(DEB_\w+)\s*:?=\s*(.*)$", text, re.M):
        lists[m.group(1)] = [w for w in m.group(2).split() if re.fullmatch(r"[a-z0-9][a-z0-9.+-]+", w)]
    return lists


#: What a fresh machine starts with besides the minimal set (the fresh-machine promise:
#: python3, make and apt-get), and what the .deb's Depends start with.
GIVEN = {"desktop": ["python3", "make"], "pi": ["python3"]}


def provided_by(profile: str, lists: dict[str, list[str]] | None = None) -> list[str]:
    """The lists that install packages for ``profile``: ``make test``/``make demo`` (the
    Makefile's runtime and test lists) or the .deb's Depends (``make print-deb-depends``)."""
    lists = lists if lists is not None else makefile_lists()
    if profile == "desktop":
        return GIVEN[profile] + lists["DEB_PACKAGES"] + lists["DEB_TEST_PACKAGES"] + lists["DEB_DEMO_PACKAGES"]
    return GIVEN[profile] + lists["DEB_PACKAGES"] + lists["DEB_PI_PACKAGES"]


def derive(profile: str, python: str = sys.executable, observe_platforms: Iterable[str] = ("xcb", "offscreen")) -> dict:
    sp = site_packages(python)
    plugins = sp / "PySide6" / "Qt" / "plugins"
    files = [p for g in PLUGINS[profile] for p in sorted(plugins.glob(g))]
    libs: set[str] = set()
    missing: set[str] = set()
    if profile == "pi":
        files += _native_files(sp, qt_modules(python))
    else:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(len(tuple(observe_platforms))) as pool:
            for mapped in pool.map(lambda platform: observe(python, platform), observe_platforms):
                libs |= {p for p in mapped if not p.startswith(str(sp))}
    for f in files:
        found, nf = ldd(f)
        libs |= {p for p in found if not p.startswith(str(sp))}
        missing |= {s for s in nf if not s.startswith("libQt6")}   # Qt's own come with the wheel
    for soname in CTYPES_LIBS:
        hits = [str(p) for d in ("/usr/lib", "/lib") for p in Path(d).rglob(soname)]
        libs |= set(hits[:1]) if hits else set()
        if not hits:
            missing.add(soname)
    found = owners(libs)
    packages: dict[str, list[str]] = {}
    for lib in sorted(libs):
        if lib in found:
            packages.setdefault(found[lib], []).append(lib)
    unowned = sorted(libs - set(found))
    return {"profile": profile, "files_checked": len(files), "libraries": len(libs),
            "packages": packages, "not_found": sorted(missing), "not_from_a_package": unowned}


def check(rep: dict, lists: dict[str, list[str]] | None = None) -> dict:
    """Add to a :func:`derive` report what a fresh machine would miss: packages that neither
    a minimal Debian 12 nor the lists of the profile (and their dependencies) provide."""
    base = minbase()
    given = closure(provided_by(rep["profile"], lists))
    lacking = {pkg: paths for pkg, paths in rep["packages"].items() if pkg not in base and pkg not in given}
    return dict(rep, not_provided=lacking, needed_beyond_minbase=sorted(set(rep["packages"]) - base))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("profile", choices=sorted(PLUGINS))
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    rep = check(derive(a.profile, a.python))
    if a.json:
        print(json.dumps(rep, indent=2))
    else:
        print(f"{rep['profile']}: {rep['libraries']} libraries from {len(rep['packages'])} packages; "
              f"beyond a minimal Debian 12: {' '.join(rep['needed_beyond_minbase']) or 'none'}")
        for pkg, paths in rep["not_provided"].items():
            print(f"NOT PROVIDED: {pkg} ({', '.join(paths)})")
        for s in rep["not_found"]:
            print(f"NOT FOUND: {s}")
    return 1 if rep["not_provided"] or rep["not_found"] else 0


if __name__ == "__main__":
    sys.exit(main())
