#!/usr/bin/env python3
"""QR decoding benchmark on the camera-like corpus of ../shared/qr-corpus.

    python bench/qr.py [--corpus DIR] [--n 40] [--seed 1] [--decoders pipeline,zxing,pyzbar]

Generates the corpus with make_corpus.py when DIR has no manifest.json. Every decoder
runs on the same preloaded frames in the same run, interleaved frame by frame (the
machine is shared and noisy), one OpenCV thread, timing only the decode call.

Prints JSON: per size and category, for each decoder, the share of codes decoded
(two_codes counts each of the two codes), misreads (a text that is not an expected
code), detections on negatives, median and p95 ms per frame; per size a summary of the
positives, the negatives' time per frame and the pipeline's ratios against zxing-cpp.
"pipeline" runs every fallback on each frame (budget_ms=None); "pipeline_live" is the
time per negative frame with the live budget the kiosk uses (fallbacks continue across
frames), the cost of an empty camera view.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from kiosk.scan.decoders import DecoderUnavailable, make_decoder  # noqa: E402

DEFAULT_SCRIPT = ROOT.parent / "shared" / "qr-corpus" / "make_corpus.py"
DECODERS = {"pipeline": "zxing", "zxing": "zxing-plain", "pyzbar": "pyzbar"}


def corpus_script() -> Path:
    return Path(os.environ.get("QR_CORPUS_SCRIPT", DEFAULT_SCRIPT))


def ensure_corpus(out: Path, seed: int, n: int, categories: str | None = None) -> dict:
    manifest = out / "manifest.json"
    if not manifest.is_file():
        cmd = [sys.executable, str(corpus_script()), "--seed", str(seed), "--out", str(out), "--n", str(n)]
        if categories:
            cmd += ["--categories", categories]
        print(f"generating corpus: {' '.join(cmd)}", file=sys.stderr)
        subprocess.run(cmd, check=True, stdout=sys.stderr)
    return json.loads(manifest.read_text())


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return float(np.percentile(values, q))


def run(corpus: Path, manifest: dict, decoder_names: list[str], sizes: list[str] | None,
        categories: list[str] | None, repeat: int = 1) -> dict:
    decoders = {}
    for name in decoder_names:
        try:
            opts = {"budget_ms": None} if name == "pipeline" else {}  # every fallback on each frame
            decoders[name] = make_decoder(DECODERS.get(name, name), **opts)
        except DecoderUnavailable as exc:
            print(f"skipping {name}: {exc}", file=sys.stderr)
    live = make_decoder("zxing") if "pipeline" in decoders else None  # live budget (30 ms)
    live_neg: dict[str, list[float]] = {}
    frames = [f for f in manifest["frames"]
              if (not sizes or f["size"] in sizes) and (not categories or f["category"] in categories)]
    # per (size, category, decoder): lists
    acc: dict[tuple[str, str, str], dict] = {}
    failures: dict[str, list[str]] = {n: [] for n in decoders}
    for f in frames:
        img = cv2.imread(str(corpus / f["file"]), cv2.IMREAD_COLOR)
        exp = f["expected"]
        expected = [] if exp is None else ([exp] if isinstance(exp, str) else list(exp))
        if live is not None and not expected:
            # what the kiosk spends per empty camera frame: the pipeline with its live budget,
            # frames in sequence (fallback stages continue round robin across frames)
            t0 = time.perf_counter()
            live_hits = live.decode(img)
            live_neg.setdefault(f["size"], []).append((time.perf_counter() - t0) * 1000)
            if live_hits:
                failures.setdefault("live-negative-detections", []).append(f["file"])
        for name, dec in decoders.items():
            best = None
            for _ in range(repeat):
                t0 = time.perf_counter()
                res = dec.decode(img)
                ms = (time.perf_counter() - t0) * 1000
                best = ms if best is None else min(best, ms)
            texts = {r.text for r in res}
            a = acc.setdefault((f["size"], f["category"], name),
                               dict(frames=0, codes=0, decoded=0, misreads=0, detections=0, ms=[]))
            a["frames"] += 1
            a["codes"] += len(expected)
            a["decoded"] += len(texts & set(expected))
            a["misreads"] += len(texts - set(expected))
            a["detections"] += len(texts) if not expected else 0
            a["ms"].append(best)
            if expected and not set(expected) <= texts:
                failures[name].append(f["file"])
    out: dict = {"corpus": str(corpus), "seed": manifest.get("seed"),
                 "n_per_category_per_size": manifest.get("n_per_category_per_size"),
                 "decoders": {n: DECODERS.get(n, n) for n in decoders},
                 "opencv_threads": cv2.getNumThreads(), "sizes": {}}
    for size in sorted({k[0] for k in acc}, key=lambda s: int(s.split("x")[0])):
        cats = {}
        summary = {}
        for name in decoders:
            pos = dict(codes=0, decoded=0, misreads=0, ms=[])
            neg = dict(frames=0, detections=0, ms=[])
            all_ms = []
            for (s, cat, n), a in sorted(acc.items()):
                if s != size or n != name:
                    continue
                entry = dict(
                    frames=a["frames"],
                    decoded=round(a["decoded"] / a["codes"], 4) if a["codes"] else None,
                    misreads=a["misreads"],
                    median_ms=round(statistics.median(a["ms"]), 3),
                    p95_ms=round(pct(a["ms"], 95), 3),
                )
                if cat == "negative":
                    entry["detections"] = a["detections"]
                    del entry["decoded"]
                    neg["frames"] += a["frames"]
                    neg["detections"] += a["detections"]
                    neg["ms"] += a["ms"]
                else:
                    pos["codes"] += a["codes"]
                    pos["decoded"] += a["decoded"]
                    pos["misreads"] += a["misreads"]
                    pos["ms"] += a["ms"]
                all_ms += a["ms"]
                cats.setdefault(cat, {})[name] = entry
            summary[name] = dict(
                positives_decoded=round(pos["decoded"] / pos["codes"], 4) if pos["codes"] else None,
                positives_codes=pos["codes"],
                misreads=pos["misreads"],
                median_ms_all=round(statistics.median(all_ms), 3) if all_ms else None,
                p95_ms_all=round(pct(all_ms, 95), 3) if all_ms else None,
                median_ms_positives=round(statistics.median(pos["ms"]), 3) if pos["ms"] else None,
                negatives_frames=neg["frames"],
                negatives_detections=neg["detections"],
                negatives_median_ms=round(statistics.median(neg["ms"]), 3) if neg["ms"] else None,
                negatives_p95_ms=round(pct(neg["ms"], 95), 3) if neg["ms"] else None,
            )
        ratios = {}
        if "pipeline" in summary and "zxing" in summary:
            p, z = summary["pipeline"], summary["zxing"]
            for key in ("median_ms_all", "median_ms_positives", "negatives_median_ms"):
                if p.get(key) and z.get(key):
                    ratios[f"{key}_pipeline_over_zxing"] = round(p[key] / z[key], 2)
        if size in live_neg:
            ms = live_neg[size]
            summary["pipeline_live"] = dict(
                budget_ms=getattr(live, "budget_ms", None),
                negatives_frames=len(ms),
                negatives_detections=len(failures.get("live-negative-detections", [])),
                negatives_median_ms=round(statistics.median(ms), 3),
                negatives_p95_ms=round(pct(ms, 95), 3),
            )
            if summary.get("zxing", {}).get("negatives_median_ms"):
                ratios["live_negatives_median_ms_pipeline_over_zxing"] = round(
                    summary["pipeline_live"]["negatives_median_ms"] / summary["zxing"]["negatives_median_ms"], 2)
        out["sizes"][size] = {"summary": summary, "ratios": ratios, "categories": cats}
    out["failures"] = {n: v for n, v in failures.items()}
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=None, help="corpus dir (default: .cache/qr-corpus-seed<S>-n<N>)")
    ap.add_argument("--n", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--decoders", default="pipeline,zxing,pyzbar")
    ap.add_argument("--sizes", default="", help="e.g. 640x480 (default: all)")
    ap.add_argument("--categories", default="", help="comma list (default: all)")
    ap.add_argument("--repeat", type=int, default=1, help="time each decode N times, keep the fastest")
    ap.add_argument("--threads", type=int, default=1, help="OpenCV threads (1: like the README's table)")
    ap.add_argument("--failures", action="store_true", help="list the files each decoder missed")
    a = ap.parse_args()
    cv2.setNumThreads(a.threads)
    corpus = a.corpus or ROOT / ".cache" / f"qr-corpus-seed{a.seed}-n{a.n}"
    manifest = ensure_corpus(corpus, a.seed, a.n)
    res = run(corpus, manifest, [d for d in a.decoders.split(",") if d],
              [s for s in a.sizes.split(",") if s] or None, [c for c in a.categories.split(",") if c] or None,
              a.repeat)
    if not a.failures:
        res.pop("failures")
    print(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
