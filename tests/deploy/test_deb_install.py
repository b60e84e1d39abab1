"""The Debian package end to end on this machine (``make test-deploy``, needs root):
install it, run the service's own command (from the installed unit) as the kiosk user
under headless cage in demo mode with a fake systemd notify socket, stop it with SIGTERM as
systemd would, then remove and purge it.

packaging/tests/run.sh builds the package first and passes it in KIOSK_TEST_DEB.
"""

from __future__ import annotations

import os
import pwd
import shutil
import shlex
import signal
import subprocess
import time
from pathlib import Path

import pytest

from .units import exec_start_argv, parse_unit, unit_environment

pytestmark = [pytest.mark.deploy_install, pytest.mark.timeout(900)]

PKG = "charge-assist-kiosk"
UNIT = Path(f"/usr/lib/systemd/system/{PKG}.service")
RECOVERY = Path(f"/usr/lib/systemd/system/{PKG}-recovery.service")
VENV = Path(f"/opt/{PKG}")
ETC = Path(f"/etc/{PKG}")
ROOT = Path(__file__).resolve().parents[2]


def sh(*argv: str, check: bool = True, timeout: float = 600, **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, **kw)
    if check and proc.returncode:
        raise AssertionError(f"{' '.join(argv)} -> {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc


def installed() -> bool:
    proc = sh("dpkg-query", "-W", "-f=${Status}", PKG, check=False)
    return "install ok installed" in proc.stdout


def purge() -> None:
    sh("dpkg", "--purge", PKG, check=False)


@pytest.fixture(scope="module")
def deb() -> Path:
    if os.geteuid() != 0:
        pytest.fail("make test-deploy installs a package: run it as root")
    path = os.environ.get("KIOSK_TEST_DEB")
    if not path:
        path = sh("bash", str(ROOT / "packaging" / "build-deb.sh")).stdout.strip().splitlines()[-1]
    return Path(path)


@pytest.fixture(scope="module")
def package(deb):
    purge()
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    t0 = time.monotonic()
    sh("apt-get", "install", "-y", "-q", str(deb), env=env)
    print(f"installed {deb.name} in {time.monotonic() - t0:.0f} s")
    yield deb
    if installed():
        purge()


def as_kiosk(*argv: str, env: dict | None = None, **kw) -> subprocess.CompletedProcess:
    base = {"PATH": "/usr/bin:/bin", "HOME": "/var/lib/charge-assist-kiosk", "LANG": "C.UTF-8"}
    return sh("setpriv", "--reuid=kiosk", "--regid=kiosk", "--init-groups", *argv, env={**base, **(env or {})},
              cwd="/", **kw)


def test_install_puts_everything_in_place(package):
    assert installed()
    user = pwd.getpwnam("kiosk")
    assert user.pw_uid != 0 and user.pw_shell == "/usr/sbin/nologin"
    assert (VENV / "bin" / "kiosk").is_file() and Path("/usr/bin/kiosk").is_file()
    for path in (UNIT, RECOVERY, Path("/etc/pam.d/charge-assist-kiosk"), ETC / "kiosk.env",
                 Path("/usr/share/applications/charge-assist-kiosk-attendant.desktop"),
                 Path("/usr/share/icons/hicolor/scalable/apps/charge-assist-kiosk.svg")):
        assert path.is_file(), path
    key = ETC / "api_key"
    assert key.stat().st_uid == 0 and (key.stat().st_mode & 0o777) == 0o600
    # the kiosk user runs the command (not root-only files in the venv)
    version = as_kiosk("/usr/bin/kiosk", "--version").stdout
    assert "0." in version
    # translations reach the installed program
    out = as_kiosk(str(VENV / "bin" / "python"), "-c",
                   "from kiosk.i18n import Translator; print(Translator('deploy')('Out of order', lang='de'))").stdout
    assert out.strip() == "Außer Betrieb"
    # a venue's shared journal works from the package alone (psycopg and its libpq are bundled)
    out = as_kiosk(str(VENV / "bin" / "python"), "-c", "import psycopg; print(psycopg.pq.version())").stdout
    assert int(out.strip()) >= 120000
    # every Qt library and the Wayland platform plugin find their system libraries
    qt = next(VENV.glob("lib/python3*/site-packages/PySide6/Qt"))
    for lib in [*qt.glob("plugins/platforms/libqwayland*.so"), *qt.glob("lib/libQt6*.so.6")]:
        assert "not found" not in sh("ldd", str(lib)).stdout, lib
    # the PySide6 chosen for this machine (6.8.0.2 on a Bookworm Pi)
    want = sh("sh", "-c", f". /usr/share/{PKG}/lib/pyside-pin.sh; pyside_requirement").stdout.strip()
    got = as_kiosk(str(VENV / "bin" / "python"), "-c", "import PySide6; print(PySide6.__version__)").stdout.strip()
    if "==" in want:
        assert got == want.split("==")[1]


def test_installed_units_verify(package):
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed")
    proc = sh("systemd-analyze", "verify", "--man=no", str(UNIT), str(RECOVERY), check=False)
    said = "\n".join(line for line in (proc.stdout + proc.stderr).splitlines() if PKG in line)
    assert proc.returncode == 0 and not said, said


def read_env_file(path: Path) -> dict[str, str]:
    env = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            k, _, v = line.partition("=")
            env[k.strip()] = v.strip()
    return env


class CageService:
    """A unit's ExecStart= run the way systemd would, under headless cage, as the kiosk user."""

    def __init__(self, unit_path: Path, tmp: Path, extra_env: dict[str, str]) -> None:
        self.unit = unit = parse_unit(unit_path)
        env = unit_environment(unit)
        env.update(read_env_file(ETC / "kiosk.env"))  # EnvironmentFile=
        self.runtime = tmp / "xdg"
        data = tmp / "data"
        self.cache = tmp / "cache"
        for d in (self.runtime, data, data / "log", self.cache):
            d.mkdir()
            shutil.chown(d, "kiosk", "kiosk")
            d.chmod(0o700)
        if unit["Service"].get("CacheDirectory"):
            env["CACHE_DIRECTORY"] = str(self.cache)
        env.update(
            {
                # what systemd provides: a user session (PAM), state/log/cache directories
                "XDG_RUNTIME_DIR": str(self.runtime),
                "KIOSK_DATA_DIR": str(data),
                "KIOSK_LOG_DIR": str(data / "log"),
                "HOME": str(data),
                "USER": "kiosk",
                "PATH": "/usr/bin:/bin",
                "LANG": "C.UTF-8",
                # headless cage: no GPU, no input devices, no screen
                "WLR_BACKENDS": "headless",
                "WLR_LIBINPUT_NO_DEVICES": "1",
                "WLR_RENDERER": "pixman",
                **extra_env,
            }
        )
        self.argv = exec_start_argv(unit, env)
        assert self.argv[0] == "/usr/bin/cage"
        self.log = (tmp / "service.log").open("w+")
        # WATCHDOG_PID is the main process (cage): sh, unshare and setpriv exec, so the
        # pid is kept. PrivateTmp=yes: a private /tmp (Xwayland keeps its sockets there).
        launch = 'export WATCHDOG_PID=$$; exec setpriv --reuid=kiosk --regid=kiosk --init-groups "$@"'
        if sh("unshare", "-m", "true", check=False).returncode == 0:
            launch = (
                "export WATCHDOG_PID=$$; exec unshare -m sh -c 'mount -t tmpfs -o mode=1777 tmpfs /tmp && "
                'exec setpriv --reuid=kiosk --regid=kiosk --init-groups "$@"\' sh "$@"'
            )
        self.proc = subprocess.Popen(["sh", "-c", launch, "sh", *self.argv], env=env, cwd="/", stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read()[-6000:]

    def client(self, *needles: str, timeout: float = 30):
        """The process cage started (its command line contains every needle)."""
        import psutil

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            for child in psutil.Process(self.proc.pid).children(recursive=True):
                try:
                    cmd = " ".join(child.cmdline())
                except psutil.NoSuchProcess:
                    continue
                if all(n in cmd for n in needles):
                    return child
            time.sleep(0.2)
        raise AssertionError(f"no {needles} under cage\n{self.output()}")

    def screenshot(self, name: str):
        """The compositor's output as a QImage (grim), kept under /tmp for review."""
        shot = self.runtime / "screen.png"  # somewhere the kiosk user may write
        as_kiosk("grim", str(shot), env={"XDG_RUNTIME_DIR": str(self.runtime), "WAYLAND_DISPLAY": "wayland-0"},
                 timeout=30)
        kept = Path(f"/tmp/{name}.png")
        shutil.copy(shot, kept)
        from PySide6.QtGui import QImage

        img = QImage(str(shot))
        assert not img.isNull(), kept
        return img

    def stop(self, timeout: float = 20) -> int:
        """systemctl stop: ExecStop= as the service user, then SIGTERM to whatever is left of
        the service (KillMode=control-group); SIGKILL would follow after TimeoutStopSec=."""
        import psutil

        procs = [psutil.Process(self.proc.pid), *psutil.Process(self.proc.pid).children(recursive=True)]
        for line in self.unit["Service"].get("ExecStop", []):
            argv = [w.replace("$MAINPID", str(self.proc.pid)) for w in shlex.split(line)]
            stopper = subprocess.Popen(["setpriv", "--reuid=kiosk", "--regid=kiosk", "--init-groups", *argv],
                                       env={"PATH": "/usr/bin:/bin", "MAINPID": str(self.proc.pid)}, cwd="/")
            try:  # systemd reaps the main process meanwhile (else kill -0 sees a zombie)
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
            assert stopper.wait(timeout=timeout) == 0
        for p in procs:
            try:
                p.send_signal(signal.SIGTERM)
            except psutil.NoSuchProcess:
                pass
        rc = self.proc.wait(timeout=timeout)
        _gone, alive = psutil.wait_procs(procs, timeout=5)
        assert not alive, f"outlived cage: {[p.pid for p in alive]}"
        return rc

    def close(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.log.close()


def colours(img) -> set[int]:
    return {img.pixel(x, y) for x in range(0, img.width(), 8) for y in range(0, img.height(), 8)}


def test_service_command_under_headless_cage(package, shared_tmp, notify_listener):
    """The kiosk service's command in demo mode: READY=1, watchdog pings, clean SIGTERM."""
    watchdog_s = 2.0  # the unit says 30 s; a short one shows several pings quickly
    svc = CageService(
        UNIT,
        shared_tmp,
        {
            "KIOSK_DEMO": "true",  # what kiosk.env would say on a demo kiosk
            "NOTIFY_SOCKET": str(notify_listener.path),
            "WATCHDOG_USEC": str(int(watchdog_s * 1_000_000)),
        },
    )
    assert "/usr/bin/kiosk" in svc.argv
    try:
        deadline = time.monotonic() + 120  # TimeoutStartSec=120s
        while not notify_listener.wait_for("READY=1", timeout=0.5):
            assert svc.proc.poll() is None, f"cage exited {svc.proc.returncode} before READY=1\n{svc.output()}"
            assert time.monotonic() < deadline, f"no READY=1 within 120 s\n{svc.output()}"
        t_ready = time.monotonic()
        app = svc.client("kiosk", "run")
        assert app.username() == "kiosk"
        time.sleep(3.5 * watchdog_s)
        notify_listener.wait_for("__drain__", timeout=0.2)
        pings = notify_listener.count("WATCHDOG=1")
        assert pings >= 3, f"{pings} watchdog pings in {time.monotonic() - t_ready:.1f} s\n{svc.output()}"
        assert svc.proc.poll() is None, svc.output()
        if shutil.which("grim"):
            img = svc.screenshot("charge-assist-kiosk-under-cage")
            assert len(colours(img)) > 3, f"the kiosk screen is blank\n{svc.output()}"

        t_stop = time.monotonic()
        rc = svc.stop()
        text = svc.output()
        assert rc == 0, f"cage exited {rc}\n{text}"
        assert "Traceback" not in text, text
        assert notify_listener.wait_for("STOPPING=1", timeout=1), (
            "the app did not report STOPPING=1 when quitting on SIGTERM (kiosk.deploy.systemd.notify_stopping)\n"
            + text
        )
        # the start's dataclass cache, for the next start (kiosk/dataclass_cache.py): in the
        # unit's CacheDirectory=, the only other place besides its state and logs it may write
        cached = svc.cache / "dataclasses-run.marshal"
        assert cached.stat().st_size > 10_000 and cached.owner() == "kiosk", text
        print(f"ready, {pings} watchdog pings, stopped in {time.monotonic() - t_stop:.1f} s")
    finally:
        svc.close()


def test_recovery_command_under_headless_cage(package, shared_tmp):
    """The out-of-order unit's command shows its screen and stops cleanly on SIGTERM."""
    if not shutil.which("grim"):
        pytest.skip("grim (screenshots of a wlroots compositor) is not installed")
    svc = CageService(RECOVERY, shared_tmp, {})
    try:
        app = svc.client("kiosk.deploy.recovery")
        green = None
        seen: set[str] = set()
        problem = ""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and green is None:
            time.sleep(1)
            assert svc.proc.poll() is None, svc.output()
            try:
                img = svc.screenshot("charge-assist-kiosk-recovery-under-cage")
            except AssertionError as exc:
                problem = str(exc)
                continue
            # the venue colour fills the screen, white text on it
            from PySide6.QtGui import QColor

            seen = {QColor(c).name() for c in colours(img)}
            if "#0b7a53" in seen and "#ffffff" in seen:
                green = img
        assert green is not None, f"no out-of-order screen: {sorted(seen)[:20]} {problem}\n{svc.output()[-1500:]}"
        assert app.is_running()
        assert svc.stop() == 0
        assert "charge-assist-kiosk failed repeatedly" in svc.output()
    finally:
        svc.close()


def test_doctor_reads_the_api_key_from_the_systemd_credential(package, shared_tmp):
    """README step 6: the installed ``kiosk doctor`` as the kiosk user, with the key only in
    $CREDENTIALS_DIRECTORY (as LoadCredential= provides it), against the simulator."""
    import socket

    key = "s3cret-kiosk-key-for-doctor"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sim = subprocess.Popen(["/usr/bin/kiosk", "sim", "--port", str(port), "--api-key", key],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd="/")
    try:
        deadline = time.monotonic() + 30
        while True:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert time.monotonic() < deadline and sim.poll() is None, "simulator did not start"
            time.sleep(0.2)
        cred = shared_tmp / "credentials"
        data = shared_tmp / "data"
        cred.mkdir()
        data.mkdir()
        (cred / "kiosk_api_key").write_text(key + "\n")
        for path, mode in ((cred / "kiosk_api_key", 0o400), (cred, 0o500), (data, 0o700)):
            shutil.chown(path, "kiosk", "kiosk")
            path.chmod(mode)
        env = unit_environment(parse_unit(UNIT))
        env.update(read_env_file(ETC / "kiosk.env"))
        env.update(CREDENTIALS_DIRECTORY=str(cred), KIOSK_BASE_URL=f"http://127.0.0.1:{port}",
                   KIOSK_APP_TOKEN="kiosk-doctor-test", KIOSK_PAYMENT_EXTERNAL_REF="venue-doctor",
                   KIOSK_DATA_DIR=str(data), KIOSK_LOG_DIR=str(data), KIOSK_CAMERA="none", HOME=str(data))
        # first run: registers the appToken and names the missing wallet entry
        first = as_kiosk("/usr/bin/kiosk", "doctor", env=env, check=False)
        assert first.returncode != 0 and "wallet" in first.stdout, first.stdout + first.stderr
        as_kiosk("/usr/bin/kiosk", "api", "add-external", "venue-doctor", env=env)
        out = as_kiosk("/usr/bin/kiosk", "doctor", env=env, check=False)
        text = out.stdout + out.stderr
        assert out.returncode == 0, text
        assert "API key" in text and "is up" in text
        assert key not in text
        # without the credential the doctor names the missing key and fails
        env["CREDENTIALS_DIRECTORY"] = str(shared_tmp / "none")
        out = as_kiosk("/usr/bin/kiosk", "doctor", env=env, check=False)
        assert out.returncode != 0 and "kiosk_api_key" in out.stdout + out.stderr
    finally:
        sim.terminate()
        sim.wait(10)


def test_remove_then_purge_leaves_nothing(package):
    sh("dpkg", "--remove", PKG)
    assert not installed()
    for gone in (VENV, Path("/usr/bin/kiosk"), UNIT, RECOVERY, Path(f"/usr/share/{PKG}")):
        assert not gone.exists(), f"{gone} survived dpkg --remove"
    assert (ETC / "kiosk.env").exists(), "remove (not purge) keeps the settings"
    sh("dpkg", "--purge", PKG)
    for gone in (ETC, Path(f"/var/lib/{PKG}"), Path(f"/var/log/{PKG}"), Path(f"/etc/pam.d/{PKG}"), VENV):
        assert not gone.exists(), f"{gone} survived dpkg --purge"
    with pytest.raises(KeyError):
        pwd.getpwnam("kiosk")
    assert sh("dpkg-query", "-W", PKG, check=False).returncode != 0 or not installed()
