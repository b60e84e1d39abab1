"""Postings and receipt numbers through SIGKILLs at random points and a receiver that is
down, answers 500 or is slow (bench/billing.py runs the same harness with >= 100 kills):
every finished session numbered without gaps and delivered, each posting accepted once."""

import pytest

from tests.billing.conftest import SECRET
from tests.billing.kill_worker import run


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_sigkills_and_a_misbehaving_receiver_lose_no_posting_and_leave_no_gap(sim_factory, receiver, tmp_path):
    sim = sim_factory(speed=100.0, seed=3)
    rep = run(sim, receiver, SECRET, tmp_path / "kills", min_kills=15, seed=3, max_cycles=40)
    print(rep.to_json())
    assert rep.problems == [] and rep.worker_errors == []
    assert rep.total_kills >= 15
    assert rep.room_sessions_finished > 0
    # every posting the kiosk made was accepted exactly once and is marked delivered
    assert rep.postings == rep.postings_delivered == rep.receiver["accepted"]
    assert rep.receipts == rep.finished_sessions and rep.receipt_gaps == 0 and rep.receipt_duplicates == 0
    # the faults did happen: attempts beyond one per posting
    assert rep.kiosk_attempts > rep.postings
