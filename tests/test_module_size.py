"""No module of the layers that grew by accretion (services, the guest flow, the UI) is over
500 lines: they are split along ownership (issue 12), not by moving code into kiosk.core."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 500


def test_no_module_in_services_flow_or_ui_is_over_500_lines():
    big = {}
    for area in ("services", "flow", "ui"):
        for path in (ROOT / "kiosk" / area).rglob("*.py"):
            n = len(path.read_text(encoding="utf-8").splitlines())
            if n > LIMIT:
                big[str(path.relative_to(ROOT))] = n
    assert not big, f"modules over {LIMIT} lines: {big}"
