"""Benchmark: card tap → verdict through pcscd + vpcd, against OpenSC's pkcs15-tool in the same run.

Both sides start from the same state (the virtual card lying on the reader, pcscd up) and end with the
authentication certificate in hand: ours also reads three PIN counters and computes the verdict;
pkcs15-tool (`--read-certificate 01`, the JPKI user-authentication certificate) also asks two PIN
counters while binding its PKCS#15 emulation. The time pcscd takes to notice a new card (its polling
interval) is the same for any client, so it is reported separately and left out of the ratio.

    .venv/bin/python bench/card_read.py [--taps 200] [--opensc-runs 50] [--json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from drivers.cardreader import CardRead, CardReader, CardRemoved
from simulators.card import VpcdCardClient
from simulators.pcscd import PcscdService, free_vpcd_slot
from station.domain.certificate import card_verdict

TARGET_RATIO = 0.5


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def bench_driver(reader_name: str, taps: int, today: dt.date) -> list[float]:
    reader = CardReader(reader_name)
    out = []
    for _ in range(taps):
        t0 = time.perf_counter()
        verdict = card_verdict(reader.read_once(timeout=5), today)
        out.append(time.perf_counter() - t0)
        assert verdict.is_my_number_card
    return out


def bench_opensc(reader_name: str, runs: int, expected_der: bytes) -> list[float]:
    tool = shutil.which("pkcs15-tool")
    if tool is None:
        raise SystemExit("pkcs15-tool が見つかりません (install the Debian package 'opensc')")
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.run([tool, "-r", reader_name, "--read-certificate", "01"],
                              capture_output=True, text=True, timeout=30)
        out.append(time.perf_counter() - t0)
        if proc.returncode != 0:
            raise SystemExit(f"pkcs15-tool failed: {proc.stderr.strip()}")
        cert = x509.load_pem_x509_certificate(proc.stdout.encode())
        assert cert.public_bytes(Encoding.DER) == expected_der, "pkcs15-tool read a different certificate"
    return out


def bench_detection(client: VpcdCardClient, reader_name: str, taps: int) -> list[float]:
    """Insert → CardRead event with the running driver: dominated by pcscd's card polling."""
    import queue

    events: queue.Queue[object] = queue.Queue()
    reader = CardReader(reader_name, poll_ms=200)
    reader.start(events.put)
    out = []

    def wait(kind: type) -> None:
        while not isinstance(events.get(timeout=10), kind):
            pass

    try:
        wait(CardRead)  # the card already on the reader
        for _ in range(taps):
            client.remove()
            wait(CardRemoved)
            t0 = time.perf_counter()
            client.insert("valid")
            wait(CardRead)
            out.append(time.perf_counter() - t0)
    finally:
        reader.stop()
    return out


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--taps", type=int, default=200)
    parser.add_argument("--opensc-runs", type=int, default=50)
    parser.add_argument("--detection-taps", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    service = PcscdService().start()
    port, reader_name = free_vpcd_slot()
    client = VpcdCardClient(port=port)
    try:
        card = client.insert("valid")
        from drivers import jpki

        der = card.apps[jpki.JPKI_AID].files[jpki.EF_AUTH_CERT].data
        today = dt.date.today()
        bench_driver(reader_name, 5, today)  # warm-up: pcscd sees the card, imports are loaded
        ours = bench_driver(reader_name, args.taps, today)
        theirs = bench_opensc(reader_name, args.opensc_runs, der)
        detect = bench_detection(client, reader_name, args.detection_taps) if args.detection_taps else []
    finally:
        client.close()
        service.stop()

    ms = 1000.0
    result: dict[str, object] = {
        "benchmark": "card_read",
        "taps": args.taps,
        "driver_median_ms": round(statistics.median(ours) * ms, 3),
        "driver_p99_ms": round(pct(ours, 0.99) * ms, 3),
        "opensc_runs": args.opensc_runs,
        "opensc_median_ms": round(statistics.median(theirs) * ms, 3),
        "opensc_p99_ms": round(pct(theirs, 0.99) * ms, 3),
        "ratio_median": round(statistics.median(ours) / statistics.median(theirs), 4),
        "target_ratio": TARGET_RATIO,
        "insert_to_read_median_ms": round(statistics.median(detect) * ms, 1) if detect else None,
    }
    result["pass"] = result["ratio_median"] <= TARGET_RATIO  # type: ignore[operator]
    if args.json:
        print(json.dumps(result))
    else:
        print(f"card tap → verdict (driver, {args.taps} taps): median {result['driver_median_ms']} ms, "
              f"p99 {result['driver_p99_ms']} ms")
        print(f"pkcs15-tool --read-certificate 01 ({args.opensc_runs} runs): median "
              f"{result['opensc_median_ms']} ms, p99 {result['opensc_p99_ms']} ms")
        print(f"ratio (median) {result['ratio_median']} — target ≤ {TARGET_RATIO}: "
              f"{'OK' if result['pass'] else 'MISSED'}")
        if detect:
            print(f"insert → CardRead incl. pcscd card polling: median {result['insert_to_read_median_ms']} ms")
    return result


if __name__ == "__main__":
    main()
