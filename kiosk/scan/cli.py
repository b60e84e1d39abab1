"""``kiosk qr decode [--json] FILE...`` and ``kiosk qr watch``."""

from __future__ import annotations

import argparse
import functools
import json
import sys
import threading
import time
from typing import Any

# the decoders (OpenCV, numpy, zxing-cpp: ~140 ms) load when a scan command runs, not for
# every `kiosk` command; the names are repeated here for argparse (a test keeps them equal)
DECODER_NAMES = ("zxing", "zxing-plain", "pyzbar")


def register(subparsers: Any) -> None:
    qr = subparsers.add_parser("qr", help="decode QR images, watch the camera")
    sub = qr.add_subparsers(dest="qr_command", metavar="SUBCOMMAND")
    qr.set_defaults(func=lambda _a: (qr.print_help(), 2)[1])

    dec = sub.add_parser("decode", help="decode QR codes in image files")
    dec.add_argument("files", nargs="+", metavar="FILE")
    dec.add_argument("--json", action="store_true", help="one JSON object per file")
    dec.add_argument("--decoder", choices=DECODER_NAMES, default="zxing")
    dec.set_defaults(func=cmd_decode)

    watch = sub.add_parser("watch", help="print what the configured camera sees")
    watch.add_argument("--camera", help="override the camera setting (index, /dev/videoN, file, folder, synthetic)")
    watch.add_argument("--decoder", choices=DECODER_NAMES, help="override the decoder setting")
    watch.add_argument("--seconds", type=float, default=0.0, help="stop after this many seconds (0: until Ctrl-C)")
    watch.add_argument("--json", action="store_true", help="print JSON lines")
    watch.add_argument("--all", action="store_true", help="print every decode, not only accepted codes")
    watch.set_defaults(func=cmd_watch)


def _classify(text: str, hosts: list[str] | None) -> dict[str, str]:
    from kiosk.core.payload import classify  # noqa: PLC0415

    p = classify(text, allowed_hosts=hosts, other_hosts=_other_hosts())
    out = {"kind": p.kind.value, "value": p.value}
    if not p.valid:
        out["message"] = p.message
    return out


@functools.cache
def _other_hosts() -> bool:
    try:
        from kiosk.config import load_settings  # noqa: PLC0415

        return bool(load_settings().qr_other_hosts)
    except Exception:  # noqa: BLE001 - decoding files must work without a valid configuration
        return False


def _hosts() -> list[str] | None:
    try:
        from kiosk.config import load_settings  # noqa: PLC0415

        return list(load_settings().qr_hosts)
    except Exception:  # noqa: BLE001 - decoding files must work without a valid configuration
        return None


def cmd_decode(args: argparse.Namespace) -> int:
    import cv2  # noqa: PLC0415

    from kiosk.scan.decoders import DecoderUnavailable, make_decoder  # noqa: PLC0415

    try:
        # a file gets every fallback (no live time budget)
        decoder = make_decoder(args.decoder, budget_ms=None) if args.decoder == "zxing" else make_decoder(args.decoder)
    except DecoderUnavailable as exc:
        print(f"kiosk qr: {exc}", file=sys.stderr)
        return 2
    hosts = _hosts()
    status = 0
    for path in args.files:
        img = cv2.imread(path, cv2.IMREAD_COLOR)
        if img is None:
            status = max(status, 2)
            if args.json:
                print(json.dumps({"file": path, "error": "cannot read image"}))
            else:
                print(f"{path}: cannot read image", file=sys.stderr)
            continue
        t0 = time.perf_counter()
        results = decoder.decode(img)
        ms = (time.perf_counter() - t0) * 1000
        if not results:
            status = max(status, 1)
        if args.json:
            print(json.dumps({
                "file": path,
                "ms": round(ms, 2),
                "codes": [
                    {"text": r.text, "stage": r.stage,
                     "quad": [[round(x, 1), round(y, 1)] for x, y in r.quad] if r.quad else None,
                     "payload": _classify(r.text, hosts)}
                    for r in results
                ],
            }, ensure_ascii=False))
        elif not results:
            print(f"{path}: no QR code found ({ms:.1f} ms)")
        else:
            for r in results:
                kind = _classify(r.text, hosts)["kind"]
                print(f"{path}: {r.text}  [{kind}, {r.stage}, {ms:.1f} ms]")
    return status


def cmd_watch(args: argparse.Namespace) -> int:
    from kiosk.config import load_settings  # noqa: PLC0415
    from kiosk.scan.sources import open_source  # noqa: PLC0415
    from kiosk.scan.decoders import DecoderUnavailable, make_decoder  # noqa: PLC0415
    from kiosk.scan.worker import ScanWorker  # noqa: PLC0415

    overrides: dict[str, Any] = {}
    if args.camera is not None:
        overrides["camera"] = args.camera
    if args.decoder in ("zxing", "pyzbar"):
        overrides["decoder"] = args.decoder
    settings = load_settings(**overrides)
    try:
        decoder = make_decoder(args.decoder or settings.decoder)
    except DecoderUnavailable as exc:
        print(f"kiosk qr: {exc}", file=sys.stderr)
        return 2
    demo_payloads = ["https://a.greenflux.app/qr/gsop/greenflux/00000000-0000-4000-8000-000000000001",
                     "NL*GFX*E12345*1"]
    try:
        source = open_source(settings.camera, settings.camera_width, settings.camera_height, settings.camera_fps,
                             payloads=demo_payloads)
    except ValueError as exc:
        print(f"kiosk qr: {exc}", file=sys.stderr)
        return 2
    hosts = list(settings.qr_hosts)
    lock = threading.Lock()

    def emit(event: str, /, **data: Any) -> None:
        with lock:
            if args.json:
                print(json.dumps({"t": round(time.time(), 3), "event": event, **data}, ensure_ascii=False), flush=True)
            else:
                print(f"{time.strftime('%H:%M:%S')} {event}: " + " ".join(f"{k}={v}" for k, v in data.items()), flush=True)

    def on_code(text: str) -> None:
        emit("code", text=text, **_classify(text, hosts))

    worker = ScanWorker(source, decoder, confirmations=1 if args.all else settings.scan_confirmations,
                        on_code=on_code, on_state=lambda s: emit("state", state=s.value), preview_fps=0)
    print(f"watching {source!r} with {decoder.name}; Ctrl-C to stop", file=sys.stderr)
    worker.start()
    try:
        end = time.monotonic() + args.seconds if args.seconds > 0 else None
        while end is None or time.monotonic() < end:
            time.sleep(0.1)
            if not worker.running:
                break
    except KeyboardInterrupt:
        pass
    finally:
        worker.stop()
        s = worker.stats
        ms = sorted(s.decode_ms)
        emit("stats", frames=s.frames_captured, decoded=s.frames_decoded, dropped=s.frames_dropped,
             accepted=s.codes_accepted, median_ms=round(ms[len(ms) // 2], 2) if ms else None)
    return 0
