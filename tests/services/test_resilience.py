"""SIGKILL at random points during start, charging and stop, with the simulator dropping
answers after acting: every session is recovered and accounted for, no intent ever
produced two sessions. (bench/resilience.py runs the same harness with >= 200 kills.)"""

import pytest

from tests.services.resilience_worker import run


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_sigkill_during_start_charge_stop_loses_nothing_and_never_starts_twice(sim_factory, tmp_path):
    sim = sim_factory(speed=100.0, seed=5)
    rep = run(sim, tmp_path / "res", min_kills=30, seed=5, min_recoveries=2, max_cycles=80)
    print(rep.to_json())
    assert rep.problems == []
    assert rep.worker_errors == []
    assert all(n > 0 for n in rep.kills.values()), rep.kills
    assert rep.total_kills >= 30
    # the run did exercise lost answers and recovery, and every session was found again
    assert rep.dropped_answers > 0
    assert rep.adopted + rep.not_started >= 2
    assert rep.sessions_in_sim > 0 and rep.sessions_in_sim <= rep.intents
