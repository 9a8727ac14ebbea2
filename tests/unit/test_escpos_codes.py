"""The driver's side of the wire: what bytes a receipt becomes, and how status bytes are read."""

from __future__ import annotations

import pytest
from escpos.printer import Dummy
from PIL import Image

from drivers import escpos_codes as codes
from drivers import raster
from drivers.printer import ReceiptPrinter
from drivers.receipt import Align, Barcode, Feed, QRCode, Receipt, Rule, Text


def test_kanji_runs_are_wrapped_in_fs_and_shift_jis() -> None:
    assert codes.encode_text("A交付B") == b"A\x1c&" + "交付".encode("cp932") + b"\x1c.B"
    assert codes.encode_text("ABC") == b"ABC"


def test_code128_payload_has_code_set_b_and_escapes_braces() -> None:
    assert codes.code128_payload("A{1") == b"{BA{{1"
    with pytest.raises(ValueError):
        codes.code128_payload("交付")


def test_char_size_packs_width_and_height() -> None:
    assert codes.char_size(1, 1) == b"\x1d!\x00"
    assert codes.char_size(4, 4) == b"\x1d!\x33"
    assert codes.char_size(9, 0) == b"\x1d!\x70"


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, (False, False, False, False)),
        ({"offline": True, "paper_end": True}, (True, False, True, True)),
        ({"offline": True, "cover_open": True}, (True, True, False, False)),
        ({"near_end": True}, (False, False, False, True)),
    ],
)
def test_status_answers_decode_back(kwargs: dict[str, bool], expected: tuple[bool, ...]) -> None:
    answers = [codes.status_answer(n, **kwargs)[0] for n in (1, 2, 4)]
    assert all(codes.valid_status_byte(a) for a in answers)
    bits = codes.decode_status(*answers)
    assert (bits.offline, bits.cover_open, bits.paper_end, bits.near_end) == expected


def test_pack_bits_keeps_row_padding_white() -> None:
    image = Image.new("1", (10, 1), 0)  # all black, 10 dots: 2 bytes with 6 padding bits
    width, height, rows = raster.pack_bits(image)
    assert (width, height, rows) == (10, 1, b"\xff\xc0")


def test_render_kanji_mode_job_shape() -> None:
    printer = ReceiptPrinter(Dummy(), poll_interval=None)
    data = printer.render(Receipt((Text("交付", width=2, height=2, align=Align.CENTER), Rule(), Barcode("T1"),
                                   QRCode("https://x.jp/"), Feed(2))))
    assert data.startswith(codes.INIT + codes.KANJI_SHIFT_JIS)
    assert codes.KANJI_ON + "交付".encode("cp932") + codes.KANJI_OFF in data
    assert b"-" * 48 + b"\n" in data
    assert b"\x1dkI\x04{BT1" in data
    assert data.endswith(codes.cut())


def test_raster_fallback_sends_no_kanji_bytes() -> None:
    printer = ReceiptPrinter(Dummy(), kanji_mode=False, poll_interval=None)
    data = printer.render(Receipt((Text("交付"), Text("A-012"))))
    assert codes.KANJI_ON not in data and "交付".encode("cp932") not in data
    assert b"\x1dv0" in data and b"A-012\n" in data


def test_missing_japanese_font_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(raster, "FONT_CANDIDATES", ())
    monkeypatch.delenv(raster.FONT_ENV, raising=False)
    with pytest.raises(raster.FontNotFoundError, match="日本語フォントが見つかりません"):
        ReceiptPrinter(Dummy(), kanji_mode=False, font="/nonexistent/font.ttf")
