"""The contract's numbers in one run: operations and (operation, status) pairs covered by the
scripted walk, and a schemathesis run of the simulator from the upstream document.

    KIOSK_CONTRACT_EXAMPLES=200 .venv/bin/python -m tests.sim.contract_report

(the suite runs the same tests with 12 examples per operation). Prints JSON; exits non-zero
when a test failed, a server error or a violation beyond the named deviations was seen.
"""

from __future__ import annotations

import json
import os
import sys

import pytest


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    code = pytest.main(["-q", "-p", "no:xdist", "-p", "no:cacheprovider",
                        "tests/sim/test_contract.py", "tests/sim/test_property.py"])
    from tests.sim import contract, test_property

    report = {
        "document": str(contract.SPEC_PATH),
        "operations": len(contract.CLIENT_OPERATIONS),
        "operation_status_pairs": len(contract.all_pairs()),
        "examples_per_operation": test_property.MAX_EXAMPLES,
        "schemathesis": test_property.summary(),
        "tolerated_deviations": [d.name for d in contract.TOLERATED],
        "answers_checked": contract.STATS["checked"],  # walk, other contract tests and schemathesis
        "tolerated_seen": {k.split(":", 1)[1]: v for k, v in sorted(contract.STATS.items())
                           if k.startswith("tolerated:")},
        "pytest_exit": int(code),
    }
    print(json.dumps(report, indent=2))
    run = report["schemathesis"]
    return int(code != 0 or run["server_errors"] or run["violations"])


if __name__ == "__main__":
    sys.exit(main())
