"""The printer simulator over a whole day: a bounded number of jobs kept, slips drawn only on request,
the same facts as the full renderer, every job of a fast run arriving in order, and a real printer's pace
when asked for one."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator

import pytest
from PIL import Image

from drivers.printer import ReceiptPrinter
from drivers.receipt import Align, Barcode, Feed, QRCode, Receipt, Rule, Text
from simulators import escpos_parser as p
from simulators.escpos_render import JobAssembler, JobReader, find_font
from simulators.printer import PrinterSimulator


def slip(i: int) -> Receipt:
    return Receipt((
        Text("北区役所 マイナンバーカード窓口", bold=True, align=Align.CENTER),
        Rule(),
        Text(f"A{i:03d}", width=4, height=4, bold=True, align=Align.CENTER),
        Text(f"2026年12月1日 10:{i % 60:02d} 発券 — お待ちの方 {i % 17} 人、長い行は紙の幅で折り返されます",
             align=Align.CENTER),
        Barcode(f"T20261201A{i:04d}"),
        Feed(1),
        QRCode(f"https://example.city.jp/queue?t={i:08d}"),
    ))


@pytest.fixture
def sim() -> Iterator[PrinterSimulator]:
    with PrinterSimulator(port=0, max_jobs=20) as simulator:
        yield simulator


@pytest.fixture
def driver(sim: PrinterSimulator) -> Iterator[ReceiptPrinter]:
    d = ReceiptPrinter.network("127.0.0.1", sim.port, timeout=5.0, poll_interval=None)
    yield d
    d.close()


def test_keeps_only_the_last_jobs_and_counts_all(sim: PrinterSimulator, driver: ReceiptPrinter) -> None:
    for i in range(1, 61):
        driver.print_receipt(slip(i))
    assert sim.wait_for_printed(60, timeout=10)
    jobs = sim.jobs
    assert sim.printed_count == 60 and len(jobs) == sim.max_jobs == 20
    assert [j.id for j in jobs] == list(range(41, 61))  # the newest, in order
    assert [j.barcodes for j in jobs] == [[f"T20261201A{i:04d}"] for i in range(41, 61)]
    assert sim.job(40) is None and sim.png(40) is None  # gone with its job


def test_a_fast_run_arrives_whole_and_in_order() -> None:
    """300 slips back to back (the driver waits for each job's status): none lost, none merged."""
    with PrinterSimulator(port=0, max_jobs=300) as big:
        d = ReceiptPrinter.network("127.0.0.1", big.port, timeout=5.0, poll_interval=None)
        try:
            for i in range(1, 301):
                d.print_receipt(slip(i))
        finally:
            d.close()
        assert big.wait_for_printed(300, timeout=20)
        jobs = big.jobs
    assert [j.id for j in jobs] == list(range(1, 301))
    assert [j.text.splitlines()[2] for j in jobs] == [f"A{i:03d}" for i in range(1, 301)]
    assert all(j.qr_codes == [f"https://example.city.jp/queue?t={i:08d}"] for i, j in enumerate(jobs, 1))


def test_slip_is_drawn_on_request(sim: PrinterSimulator, driver: ReceiptPrinter) -> None:
    driver.print_receipt(slip(7))
    (job,) = sim.wait_for_jobs(1)
    png = sim.png(job.id)
    assert png is not None and png == job.png  # the same picture each time it is drawn
    assert sim.png(job.id) is png  # the last few drawn are kept for the /sim page
    image = Image.open(io.BytesIO(png))
    assert image.width > 576 and image.height > 500


def test_reader_reads_what_the_renderer_reads(sim: PrinterSimulator, driver: ReceiptPrinter) -> None:
    """The cheap reader and the drawing assembler agree on text, symbols and notes, also for garbage."""
    driver.print_receipt(slip(3))
    (job,) = sim.wait_for_jobs(1)
    extra = (p.Barcode("CODE128", "12", 50, 2, 0, "left", code_set_selected=False),
             p.QRCode("x" * 8000, 3, "H", "left"), p.Unknown(b"\x1b\xff", "odd"))
    for events in (job.events, job.events + extra):
        reader, full = JobReader(), JobAssembler(find_font())
        for e in events:
            reader.add(e)
            full.add(e)
        facts, content = reader.finish(), full.finish()
        assert (facts.text, list(facts.barcodes), list(facts.qr_codes), list(facts.unknown), facts.kanji_text) == (
            content.text, content.barcodes, content.qr_codes, content.unknown, content.kanji_text)
        assert reader.empty is False


def test_real_printer_pace(sim: PrinterSimulator, driver: ReceiptPrinter) -> None:
    """At 10 slips a second, three slips take at least 0.3 s (the status after each cut waits)."""
    sim.set_speed(10)
    assert sim.jobs_per_second == 10
    t0 = time.monotonic()
    for i in range(3):
        driver.print_receipt(slip(i))
    assert time.monotonic() - t0 >= 0.29
    sim.set_speed(None)
    assert sim.jobs_per_second is None
    with pytest.raises(ValueError):
        sim.set_speed(0)


def test_fast_text_path_parses_exactly_like_the_byte_wise_one() -> None:
    """Text runs are decoded at once; on any bytes, split anywhere, the events are the same as byte by byte."""
    import random

    rng = random.Random(19)
    pieces = [b"\x1c&", b"\x1c.", b"\x1bt\x01", b"\x1bt\x00", b"\x1b!\x30", b"\n", b"\x1d!\x11",
              "北区役所 窓口 ｶﾅ A012".encode("cp932"), b"plain ascii 123", bytes(range(0x80, 0x100)),
              b"\x81", b"\x81\x0a", b"\xfd\xfe\xff", b"\x85\x40"]
    for _ in range(200):
        stream = b"".join(rng.choice(pieces) for _ in range(rng.randint(1, 30)))
        cuts = sorted(rng.sample(range(len(stream) + 1), min(3, len(stream) + 1)))
        out = []
        for fast in (True, False):
            parser = p.EscPosParser()
            parser.fast_text = fast
            events: list[p.Event] = []
            for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True):
                events += parser.feed(stream[a:b])
            events += parser.finish()
            out.append(_merged(events))
        assert out[0] == out[1], stream


def _merged(events: list[p.Event]) -> list[object]:
    """Adjacent text of the same style as one (a read may end inside a run: where it splits is not meaning)."""
    merged: list[object] = []
    for e in events:
        if isinstance(e, p.Text) and merged and isinstance(merged[-1], p.Text) \
                and (merged[-1].style, merged[-1].kanji) == (e.style, e.kanji):
            merged[-1] = p.Text(merged[-1].text + e.text, e.style, e.kanji)
        else:
            merged.append(e)
    return merged
