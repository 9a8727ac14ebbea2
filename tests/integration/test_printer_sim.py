"""The real driver against the printer simulator over real TCP: tickets, raster fallback, status, failures."""

from __future__ import annotations

import io
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from drivers.base import DeviceStatus, Health
from drivers.printer import (
    PrinterCoverOpen,
    PrinterError,
    PrinterOffline,
    PrinterPaperOut,
    ReceiptPrinter,
    printer_from_settings,
)
from drivers.receipt import Align, Barcode, Feed, QRCode, Receipt, Rule, Text
from simulators.printer import PrinterSimulator

URL = "https://example.city.jp/queue?t=A-012"
BARCODE = "T20261201A012"


def ticket(number: str = "A-012") -> Receipt:
    return Receipt((
        Text("北区役所 マイナンバーカード窓口", bold=True, align=Align.CENTER),
        Rule(),
        Text("交付", width=2, height=2, align=Align.CENTER),
        Text(number, width=4, height=4, bold=True, align=Align.CENTER),
        Text("2026年12月1日 10:00 発券", align=Align.CENTER),
        Rule(),
        Barcode(BARCODE),
        Feed(1),
        QRCode(URL),
        Text("番号が呼ばれるまでお待ちください", align=Align.CENTER),
    ))


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[PrinterSimulator]:
    with PrinterSimulator(port=0, jobs_dir=tmp_path / "jobs") as simulator:
        yield simulator


@pytest.fixture
def printer(sim: PrinterSimulator) -> Iterator[ReceiptPrinter]:
    driver = ReceiptPrinter.network("127.0.0.1", sim.port, timeout=2.0, poll_interval=None)
    yield driver
    driver.close()


def test_ticket_arrives_as_one_job(sim: PrinterSimulator, printer: ReceiptPrinter, tmp_path: Path) -> None:
    printer.print_receipt(ticket())
    (job,) = sim.wait_for_jobs(1, timeout=5)
    assert "北区役所 マイナンバーカード窓口" in job.text
    assert "交付" in job.text and "A-012" in job.text
    assert job.kanji_text and job.raster_images == 0
    assert job.barcodes == [BARCODE]
    assert job.qr_codes == [URL]
    assert job.unknown == ()
    image = Image.open(io.BytesIO(job.png))
    assert 576 <= image.width <= 700 and 500 <= image.height <= 3000
    assert (tmp_path / "jobs" / f"job-{job.id:05d}.png").read_bytes() == job.png
    assert "A-012" in (tmp_path / "jobs" / f"job-{job.id:05d}.txt").read_text(encoding="utf-8")


def test_big_number_is_printed_big(sim: PrinterSimulator, printer: ReceiptPrinter) -> None:
    printer.print_receipt(Receipt((Text("A-012", width=4, height=4),)))
    printer.print_receipt(Receipt((Text("A-012"),)))
    big, small = (Image.open(io.BytesIO(j.png)).convert("L") for j in sim.wait_for_jobs(2, timeout=5))

    def ink_height(img: Image.Image) -> int:
        box = Image.eval(img, lambda v: 255 - v).getbbox()
        assert box is not None
        return box[3] - box[1]

    assert ink_height(big) >= 3 * ink_height(small)


def test_raster_fallback_prints_japanese_as_an_image(sim: PrinterSimulator) -> None:
    driver = ReceiptPrinter.network("127.0.0.1", sim.port, timeout=2.0, kanji_mode=False, poll_interval=None)
    try:
        driver.print_receipt(ticket())
    finally:
        driver.close()
    (job,) = sim.wait_for_jobs(1, timeout=5)
    assert job.raster_images >= 4 and not job.kanji_text
    assert "交付" not in job.text and "A-012" in job.text
    assert job.barcodes == [BARCODE] and job.qr_codes == [URL]
    Image.open(io.BytesIO(job.png)).verify()


@pytest.mark.parametrize(
    ("state", "health", "reason"),
    [
        ("online", Health.OK, ""),
        ("near_end", Health.DEGRADED, "用紙が残りわずかです"),
        ("paper_out", Health.DOWN, "プリンタの用紙がありません"),
        ("cover_open", Health.DOWN, "プリンタのカバーが開いています"),
        ("offline", Health.DOWN, "プリンタに接続できません"),
    ],
)
def test_status_for_each_state(sim: PrinterSimulator, printer: ReceiptPrinter, state: str, health: Health,
                               reason: str) -> None:
    assert printer.read_status().health is Health.OK  # connection open before the state changes
    sim.set_state(state)
    status = printer.read_status()
    assert (status.health, status.reason_ja) == (health, reason)
    assert printer.status == status


@pytest.mark.parametrize(
    ("state", "error"),
    [("offline", PrinterOffline), ("paper_out", PrinterPaperOut), ("cover_open", PrinterCoverOpen)],
)
def test_print_onto_a_printer_that_cannot_print_raises_and_prints_nothing(
        sim: PrinterSimulator, printer: ReceiptPrinter, state: str, error: type[PrinterError]) -> None:
    printer.print_receipt(ticket("A-001"))
    sim.set_state(state)
    with pytest.raises(error) as caught:
        printer.print_receipt(ticket("A-002"))
    assert caught.value.message_ja.startswith("プリンタ")
    sim.set_state("online")
    printer.print_receipt(ticket("A-003"))  # reconnects where the old connection died
    jobs = sim.wait_for_jobs(2, timeout=5)
    assert ["A-001" in j.text for j in jobs] == [True, False]
    assert "A-003" in jobs[1].text
    assert not any("A-002" in j.text for j in jobs)


def test_paper_running_out_during_a_job_is_not_a_printed_ticket(
        sim: PrinterSimulator, printer: ReceiptPrinter) -> None:
    printer.print_receipt(ticket("A-001"))
    sim.run_out_of_paper_during_next_job()
    with pytest.raises(PrinterPaperOut):
        printer.print_receipt(ticket("A-002"))
    assert printer.status.health is Health.DOWN
    sim.set_state("online")  # a new roll
    printer.print_receipt(ticket("A-002"))
    jobs = sim.wait_for_jobs(2, timeout=5)
    assert ["A-002" in j.text for j in jobs] == [False, True]


def test_near_end_still_prints(sim: PrinterSimulator, printer: ReceiptPrinter) -> None:
    sim.set_state("near_end")
    printer.print_receipt(ticket())
    assert len(sim.wait_for_jobs(1, timeout=5)) == 1
    assert printer.status.health is Health.DEGRADED


def test_dead_socket_is_reconnected_once(sim: PrinterSimulator, printer: ReceiptPrinter) -> None:
    printer.print_receipt(ticket("A-001"))
    sim.wait_for_jobs(1, timeout=5)
    sim.drop_connections()
    printer.print_receipt(ticket("A-002"))
    assert "A-002" in sim.wait_for_jobs(2, timeout=5)[1].text


def test_concurrent_prints_do_not_interleave(sim: PrinterSimulator, printer: ReceiptPrinter) -> None:
    numbers = [f"B-{n:03d}" for n in range(6)]
    threads = [threading.Thread(target=printer.print_receipt, args=(ticket(n),)) for n in numbers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    jobs = sim.wait_for_jobs(len(numbers), timeout=10)
    assert sorted(n for j in jobs for n in numbers if n in j.text) == numbers
    assert all(j.barcodes == [BARCODE] for j in jobs)


def test_status_changes_reach_the_sink(sim: PrinterSimulator) -> None:
    seen: list[object] = []
    driver = printer_from_settings("network", host="127.0.0.1", port=sim.port, timeout=2.0,
                                   poll_interval=None)
    driver.start(seen.append)
    try:
        driver.print_receipt(ticket())
        sim.set_state("paper_out")
        driver.read_status()
        driver.read_status()  # unchanged: not reported again
    finally:
        driver.stop()
    assert [s.health for s in seen if isinstance(s, DeviceStatus)] == [Health.OK, Health.DOWN]


def test_unknown_connection_kind_is_rejected() -> None:
    with pytest.raises(ValueError, match="network"):
        printer_from_settings("bluetooth")


def test_standalone_simulator_process(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulators.printer", "--port", "0", "--jobs-dir", str(tmp_path)],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "listening on 127.0.0.1:" in line
        port = int(line.split(":")[1].split()[0])
        driver = ReceiptPrinter.network("127.0.0.1", port, timeout=2.0, poll_interval=None)
        driver.print_receipt(ticket())
        driver.close()
        assert proc.stdout.readline().startswith("job 1:")
        assert "A-012" in (tmp_path / "job-00001.txt").read_text(encoding="utf-8")
    finally:
        proc.terminate()
        proc.wait(timeout=5)


def test_background_poll_reports_a_printer_going_down(sim: PrinterSimulator) -> None:
    down = threading.Event()

    def sink(event: object) -> None:
        if isinstance(event, DeviceStatus) and event.health is Health.DOWN:
            down.set()

    driver = ReceiptPrinter.network("127.0.0.1", sim.port, timeout=2.0, poll_interval=0.05)
    driver.start(sink)
    try:
        sim.set_state("cover_open")
        assert down.wait(timeout=5)
        assert driver.status.reason_ja == "プリンタのカバーが開いています"
    finally:
        driver.stop()


def test_jobs_in_memory_are_bounded() -> None:
    with PrinterSimulator(port=0, max_jobs=2) as small:
        driver = ReceiptPrinter.network("127.0.0.1", small.port, timeout=2.0, poll_interval=None)
        for n in range(3):
            driver.print_receipt(Receipt((Text(f"N{n}"),)))
        driver.close()
        small.wait_for_jobs(2, timeout=5)
        assert [j.id for j in small.jobs] == [2, 3]
