"""The packaged systemd units, PAM file, settings templates and desktop entry.

Fast: runs in the default ``make test``. ``systemd-analyze verify`` must report nothing."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from kiosk.config import CREDENTIAL_NAME, setting_fields

from .units import KIOSK_UNIT, PACKAGING, RECOVERY_UNIT, exec_start_argv, parse_unit, unit_environment

SYSTEMD_ANALYZE = shutil.which("systemd-analyze")


def systemd_version() -> int:
    out = subprocess.run(["systemctl", "--version"], capture_output=True, text=True).stdout
    m = re.match(r"systemd (\d+)", out)
    return int(m.group(1)) if m else 0


def verify(tmp_path: Path, *units: Path, dropins: dict[str, list[Path]] | None = None) -> str:
    """Run systemd-analyze verify on copies; return everything it said (empty = clean)."""
    for unit in (KIOSK_UNIT, RECOVERY_UNIT):
        text = unit.read_text()
        if not Path("/usr/bin/cage").exists():
            # cage is a property of the host, not of the unit file: check the rest
            text = text.replace("/usr/bin/cage ", "/bin/sh ")
        (tmp_path / unit.name).write_text(text)
    for name, files in (dropins or {}).items():
        d = tmp_path / f"{name}.d"
        d.mkdir()
        for f in files:
            shutil.copy(f, d / f.name)
    proc = subprocess.run(
        [SYSTEMD_ANALYZE, "verify", "--man=no", *(str(tmp_path / u.name) for u in units)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    said = (proc.stdout + proc.stderr).strip()
    # A container without a running systemd may mention that: not about our files.
    said = "\n".join(line for line in said.splitlines() if "charge-assist" in line or "/tmp" in line)
    return f"rc={proc.returncode}\n{said}" if proc.returncode or said else ""


@pytest.mark.skipif(SYSTEMD_ANALYZE is None, reason="systemd-analyze is not installed (apt-get install systemd)")
def test_systemd_analyze_verify_is_clean(tmp_path):
    assert verify(tmp_path, KIOSK_UNIT, RECOVERY_UNIT) == ""


@pytest.mark.skipif(SYSTEMD_ANALYZE is None, reason="systemd-analyze is not installed (apt-get install systemd)")
def test_verify_notices_a_broken_unit(tmp_path):
    broken = tmp_path / "src"
    broken.mkdir()
    bad = broken / KIOSK_UNIT.name
    bad.write_text(KIOSK_UNIT.read_text().replace("Restart=always", "Restart=sometimes"))
    proc = subprocess.run([SYSTEMD_ANALYZE, "verify", "--man=no", str(bad)], capture_output=True, text=True)
    assert "sometimes" in proc.stderr


@pytest.mark.skipif(SYSTEMD_ANALYZE is None, reason="systemd-analyze is not installed")
def test_restart_backoff_dropin_only_where_systemd_knows_it(tmp_path):
    dropin = PACKAGING / "systemd" / "50-restart-backoff.conf"
    said = verify(tmp_path, KIOSK_UNIT, dropins={KIOSK_UNIT.name: [dropin]})
    if systemd_version() >= 254:
        assert said == ""
    else:
        # why postinst/setup install it only on systemd >= 254
        assert "Unknown key" in said and "RestartSteps" in said


def test_kiosk_unit_contract():
    unit = parse_unit(KIOSK_UNIT)
    svc, u = unit["Service"], unit["Unit"]
    env = unit_environment(unit)
    argv = exec_start_argv(unit, env)
    assert argv[:2] == ["/usr/bin/cage", "-d"] and argv[argv.index("--") + 1 :] == ["/usr/bin/kiosk", "run"]
    assert svc["Type"] == ["notify"] and svc["NotifyAccess"] == ["all"]  # the app is cage's child
    assert svc["WatchdogSec"] == ["30s"]
    assert svc["User"] == ["kiosk"] and "video" in svc["SupplementaryGroups"][0].split()
    assert svc["Restart"] == ["always"] and svc["RestartSec"] == ["5s"]
    assert u["StartLimitBurst"] == ["5"] and u["OnFailure"] == [RECOVERY_UNIT.name]
    assert "time-sync.target" in " ".join(u["After"])
    assert "systemd-time-wait-sync.service" in " ".join(u["Wants"])
    # the credential name is the one the settings read from $CREDENTIALS_DIRECTORY
    assert svc["LoadCredential"] == [f"{CREDENTIAL_NAME}:/etc/charge-assist-kiosk/api_key"]
    assert svc["EnvironmentFile"] == ["-/etc/charge-assist-kiosk/kiosk.env"]
    for key in ("NoNewPrivileges", "ProtectHome", "PrivateTmp"):
        assert svc[key] == ["yes"], key
    assert svc["ProtectSystem"] == ["strict"]
    assert "PrivateDevices" not in svc  # cage needs /dev/dri, /dev/input; the scanner /dev/video*
    assert svc["PAMName"] == ["charge-assist-kiosk"]
    assert (PACKAGING / "pam" / "charge-assist-kiosk").is_file()
    # every KIOSK_* the unit sets is a real setting
    fields = {f.name for f in setting_fields()}
    for name in env:
        if name.startswith("KIOSK_") and name not in ("KIOSK_CONFIG", "KIOSK_RUN_ARGS"):
            assert name.removeprefix("KIOSK_").lower() in fields, name


def test_recovery_unit_contract():
    unit = parse_unit(RECOVERY_UNIT)
    svc = unit["Service"]
    argv = exec_start_argv(unit, unit_environment(unit))
    assert argv[argv.index("--") + 1 :] == ["/opt/charge-assist-kiosk/bin/python", "-m", "kiosk.deploy.recovery"]
    assert "charge-assist-kiosk.service" in unit["Unit"]["Conflicts"][0].split()
    assert svc["User"] == ["kiosk"]
    assert any("EXIT_CODE" in line and "systemctl --no-block start" in line for line in svc["ExecStopPost"])


def test_settings_template_names_only_real_settings():
    fields = {f.name for f in setting_fields()}
    text = (PACKAGING / "etc" / "kiosk.env").read_text()
    names = re.findall(r"^#?(KIOSK_[A-Z0-9_]+)=", text, flags=re.M)
    assert len(names) >= 10
    for name in names:
        if name != "KIOSK_RUN_ARGS":
            assert name.removeprefix("KIOSK_").lower() in fields, name
    assert "KIOSK_API_KEY=" not in text  # the key goes into the credential file


def test_desktop_entry():
    path = PACKAGING / "desktop" / "charge-assist-kiosk-attendant.desktop"
    entry = configparser.RawConfigParser(strict=True)
    entry.optionxform = str
    entry.read(path, encoding="utf-8")
    d = entry["Desktop Entry"]
    assert d["Exec"] == "kiosk run --windowed"
    assert (PACKAGING / "desktop" / f"{d['Icon']}.svg").is_file()
    for lang in ("nl", "de", "fr"):
        assert d[f"Name[{lang}]"] and d[f"Comment[{lang}]"]
    validator = shutil.which("desktop-file-validate")
    if validator:
        proc = subprocess.run([validator, str(path)], capture_output=True, text=True)
        assert proc.returncode == 0 and not proc.stdout.strip(), proc.stdout


def test_pyside_pin_rule():
    script = PACKAGING / "lib" / "pyside-pin.sh"
    cases = {
        ("aarch64", "2.36"): "PySide6-Essentials==6.8.0.2",  # Bookworm on a 64-bit Pi
        ("aarch64", "2.41"): "PySide6-Essentials",  # Trixie
        ("x86_64", "2.36"): "PySide6-Essentials",  # Bookworm PC: manylinux_2_28/2_34 wheels
        ("arm64", "2.39"): "PySide6-Essentials",
    }
    for (machine, glibc), want in cases.items():
        out = subprocess.run(
            ["sh", "-c", f'. "{script}"; pyside_requirement {machine} {glibc}'], capture_output=True, text=True
        ).stdout.strip()
        assert out == want, (machine, glibc, out)


# -- issue 11: a passer-by's keyboard ----------------------------------------------------------

def _conf(path: Path) -> configparser.ConfigParser:
    cp = configparser.ConfigParser()
    cp.optionxform = str       # keys are case sensitive
    cp.read_string(path.read_text())
    return cp


def test_logind_ignores_power_keys_and_spawns_no_spare_consoles():
    login = _conf(PACKAGING / "system" / "50-charge-assist-kiosk-logind.conf")["Login"]
    for key in ("HandlePowerKey", "HandlePowerKeyLongPress", "HandleRebootKey", "HandleRebootKeyLongPress",
                "HandleSuspendKey", "HandleHibernateKey", "HandleLidSwitch"):
        assert login[key] == "ignore", key
    assert login["NAutoVTs"] == "0" and login["ReserveVT"] == "0"
    if shutil.which("systemd-analyze"):
        # the keys are ones logind knows (a typo would be silently ignored by logind)
        out = subprocess.run(["systemd-analyze", "cat-config", "systemd/logind.conf"], capture_output=True,
                             text=True).stdout
        known = set(re.findall(r"^#?(\w+)=", out, re.M))
        if known:
            assert set(login) - known - {"HandleSuspendKeyLongPress", "HandleHibernateKeyLongPress",
                                         "HandleRebootKeyLongPress", "HandlePowerKeyLongPress"} == set()


def test_magic_sysrq_is_off():
    text = (PACKAGING / "system" / "50-charge-assist-kiosk-sysctl.conf").read_text()
    assert re.search(r"^kernel\.sysrq\s*=\s*0\s*$", text, re.M)


def test_the_package_and_the_device_setup_install_the_lockdown_files():
    build = (PACKAGING / "build-deb.sh").read_text()
    setup = (PACKAGING / "setup-device.sh").read_text()
    for name, dest in (("50-charge-assist-kiosk-logind.conf", "/usr/lib/systemd/logind.conf.d/"),
                       ("50-charge-assist-kiosk-sysctl.conf", "/usr/lib/sysctl.d/")):
        for script in (build, setup):
            assert name in script and dest in script
