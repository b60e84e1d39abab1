"""Fixtures of the scan area: a small camera-like QR corpus generated with
../shared/qr-corpus/make_corpus.py once and cached under pytest's cache directory (the
key holds the generator's hash, so a changed generator regenerates it)."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
CORPUS_SCRIPT = Path(os.environ.get("QR_CORPUS_SCRIPT", ROOT.parent / "shared" / "qr-corpus" / "make_corpus.py"))
#: Seed 2, not the benchmark's seed 1: tests must not be tuned on the benchmark frames.
TEST_SEED = 2
TEST_N = 2


@pytest.fixture(scope="session")
def qr_corpus(request: pytest.FixtureRequest) -> tuple[Path, dict]:
    """(directory, manifest) of a small corpus: 2 frames per category and size."""
    if not CORPUS_SCRIPT.is_file():
        pytest.skip(f"corpus generator {CORPUS_SCRIPT} not found (set QR_CORPUS_SCRIPT)")
    digest = hashlib.sha256(CORPUS_SCRIPT.read_bytes()).hexdigest()[:12]
    base = Path(request.config.cache.mkdir(f"qr-corpus-{digest}-s{TEST_SEED}-n{TEST_N}"))
    manifest = base / "corpus" / "manifest.json"
    # xdist workers share the cache: the first one generates, the others wait on the lock
    with open(base / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not manifest.is_file():
            subprocess.run(
                [sys.executable, str(CORPUS_SCRIPT), "--seed", str(TEST_SEED), "--out", str(base / "corpus"),
                 "--n", str(TEST_N), "--workers", "1"],
                check=True, capture_output=True, timeout=600,
            )
    return base / "corpus", json.loads(manifest.read_text())
