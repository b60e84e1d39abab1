"""Guest codes and attendant PIN hashing, lockout arithmetic (service-level tests are in
tests/services/test_sessions_ownership.py)."""

from datetime import UTC, datetime, timedelta

from kiosk.core.ownership import CODE_LENGTH, Lockout, hash_code, hash_secret, new_code, verify_code, verify_secret

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_codes_are_short_digits_and_vary():
    codes = {new_code() for _ in range(200)}
    assert all(len(c) == CODE_LENGTH and c.isdigit() for c in codes)
    assert len(codes) > 190


def test_code_hash_is_salted_and_verifies_only_the_right_code():
    code = "123456"
    h1, h2 = hash_code(code), hash_code(code)
    assert h1 != h2  # salted
    assert code not in h1
    assert verify_code(code, h1) and verify_code("123 456", h2)
    assert not verify_code("123457", h1)
    assert not verify_code("", h1) and not verify_code(code, None) and not verify_code(code, "garbage")


def test_pin_hash():
    h = hash_secret("4821", strong=True)
    assert "4821" not in h and verify_secret("4821", h) and not verify_secret("4822", h)


def test_lockout_grows_and_resets():
    lo = Lockout(free_attempts=3, base_s=30, max_s=300)
    assert [lo.failure(T0) for _ in range(2)] == [0, 0]
    assert lo.attempts_left == 1
    assert lo.failure(T0) == 30 and lo.remaining(T0) == 30
    assert lo.failure(T0) == 60
    assert lo.failure(T0) == 120
    assert lo.failure(T0) == 240
    assert lo.failure(T0) == 300  # capped
    assert lo.remaining(T0 + timedelta(seconds=299)) == 1
    again = Lockout().load(lo.state())
    assert again.failures == lo.failures and again.locked_until == lo.locked_until
    lo.success()
    assert lo.remaining(T0) == 0 and lo.attempts_left == 3
