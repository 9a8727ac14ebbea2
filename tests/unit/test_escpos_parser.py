"""The ESC/POS parser, command by command, and its promise never to crash on what a wire delivers."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from drivers import escpos_codes as codes
from simulators import escpos_parser as p
from simulators.escpos_parser import EscPosParser


def parse(data: bytes) -> list[p.Event]:
    parser = EscPosParser()
    return parser.feed(data) + parser.finish()


def texts(events: list[p.Event]) -> list[p.Text]:
    return [e for e in events if isinstance(e, p.Text)]


def test_init_resets_style_and_kanji_mode() -> None:
    parser = EscPosParser()
    parser.feed(codes.bold(True) + codes.char_size(3, 3) + codes.KANJI_ON)
    assert parser.kanji and parser.style.bold
    events = parser.feed(codes.INIT + b"x")
    assert isinstance(events[0], p.Init)
    assert events[1] == p.Text("x", p.Style(), kanji=False)


def test_default_code_page_text_and_line_feed() -> None:
    events = parse(b"Hello \x82\n")
    assert events == [p.Text("Hello é", p.Style(), False), p.Newline()]


def test_kanji_mode_round_trip() -> None:
    original = "交付 A-012 ﾃｽﾄ①～"
    events = parse(codes.KANJI_SHIFT_JIS + codes.encode_text(original) + codes.LF)
    assert "".join(t.text for t in texts(events)) == original
    assert [t.kanji for t in texts(events)] == [True, False, True]
    assert not [e for e in events if isinstance(e, p.Unknown)]


def test_kanji_character_split_across_reads_waits_for_its_second_byte() -> None:
    data = codes.encode_text("交")
    parser = EscPosParser()
    first = parser.feed(data[:3])  # FS & + lead byte
    assert first == [] and parser.pending == 1
    assert texts(parser.feed(data[3:]))[0].text == "交"


def test_sizes_bold_and_alignment() -> None:
    events = parse(codes.char_size(4, 3) + codes.bold(True) + codes.align("right") + b"A"
                   + b"\x1b!\x38" + b"B")
    a, b = texts(events)
    assert (a.style.width, a.style.height, a.style.bold, a.style.align) == (4, 3, True, "right")
    assert (b.style.width, b.style.height, b.style.bold) == (2, 2, True)  # ESC ! 0x38: dbl w+h, bold


def test_feeds_and_cuts() -> None:
    events = parse(codes.feed_lines(3) + b"\x1bJ\x10" + codes.cut(partial=True) + b"\x1dV\x00" + b"\x1bi")
    assert events == [p.FeedLines(3), p.FeedDots(16), p.Cut(True), p.Cut(False), p.Cut(False)]


def test_code128_with_code_set_b_and_escaped_brace() -> None:
    events = parse(codes.align("center") + codes.barcode_code128("T{1}", height=60, module_width=2))
    (barcode,) = events
    assert barcode == p.Barcode("CODE128", "T{1}", 60, 2, 2, "center", True)


def test_code128_code_set_c_and_missing_code_set() -> None:
    (c,) = parse(b"\x1dkI\x04{C\x0c\x22")
    assert c.data == "1234" and c.code_set_selected
    (bare,) = parse(b"\x1dkI\x03ABC")
    assert bare.data == "ABC" and not bare.code_set_selected


def test_nul_terminated_barcode_form() -> None:
    (barcode,) = parse(b"\x1dk\x04CODE39\x00")
    assert (barcode.symbology, barcode.data) == ("CODE39", "CODE39")


def test_native_qr_code() -> None:
    url = "https://example.jp/q?t=A-012&n=交付"
    (qr,) = parse(codes.align("center") + codes.qr_code(url, module_size=5, error_level="Q"))
    assert qr == p.QRCode(url, 5, "Q", "center")


def test_raster_image() -> None:
    rows = bytes([0xFF, 0x00]) * 3
    (raster,) = parse(codes.raster_image(16, 3, rows))
    assert (raster.width, raster.height, raster.rows, raster.scale) == (16, 3, rows, 0)


def test_raster_taller_than_a_band_is_split_into_bands() -> None:
    height = codes.RASTER_MAX_ROWS + 10
    events = parse(codes.raster_image(8, height, b"\x01" * height))
    assert [e.height for e in events] == [codes.RASTER_MAX_ROWS, 10]


def test_real_time_status_requests() -> None:
    events = parse(codes.status_request(1) + codes.status_request(2) + codes.status_request(4))
    assert events == [p.StatusRequest(1), p.StatusRequest(2), p.StatusRequest(4)]


def test_unknown_commands_are_recorded_and_skipped() -> None:
    events = parse(b"\x1bZ" + b"a" + b"\x1d\xfe" + b"\x1c\xfe" + b"\x07" + b"b")
    unknown = [e for e in events if isinstance(e, p.Unknown)]
    assert len(unknown) == 4
    assert "".join(t.text for t in texts(events)) == "ab"


def test_other_gs_paren_functions_are_skipped_by_length() -> None:
    events = parse(b"\x1d(L\x03\x000p\x01" + b"ok")
    assert isinstance(events[0], p.Unknown) and texts(events)[0].text == "ok"


def test_truncated_command_is_kept_then_reported_at_end_of_stream() -> None:
    parser = EscPosParser()
    assert parser.feed(b"\x1d(k\x10\x00") == []
    assert parser.pending == 5
    (left,) = parser.finish()
    assert isinstance(left, p.Unknown) and left.note == "truncated"


def test_absurd_lengths_are_garbage_not_a_wait() -> None:
    events = parse(b"\x1dv0\x00\xff\xff\xff\xff" + b"after")
    assert isinstance(events[0], p.Unknown)
    assert "after" in "".join(t.text for t in texts(events))


def _sample_job() -> bytes:
    return (codes.INIT + codes.KANJI_SHIFT_JIS + codes.align("center") + codes.char_size(2, 2)
            + codes.encode_text("交付 A-012") + codes.LF + codes.barcode_code128("T123")
            + codes.qr_code("https://example.jp/") + codes.raster_image(8, 2, b"\x80\x01")
            + codes.status_request(4) + codes.feed_lines(2) + codes.cut())


def test_byte_by_byte_feeding_gives_the_same_events() -> None:
    data = _sample_job()
    whole = parse(data)
    parser = EscPosParser()
    pieces: list[p.Event] = []
    for i in range(len(data)):
        pieces += parser.feed(data[i:i + 1])
    pieces += parser.finish()
    merged: list[p.Event] = []  # text may come in smaller runs; join neighbours before comparing
    for e in pieces:
        if isinstance(e, p.Text) and merged and isinstance(merged[-1], p.Text) \
                and (merged[-1].style, merged[-1].kanji) == (e.style, e.kanji):
            merged[-1] = p.Text(merged[-1].text + e.text, e.style, e.kanji)
        else:
            merged.append(e)
    assert merged == whole


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    parse(data)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([b"\x1b", b"\x1d", b"\x1c", b"\x10", b"\x04", b"(", b"k", b"v", b"0", b"\x00",
                                 b"\xff", b"\x81", b"&", b"I", b"{B", b"V", b"\n"]), max_size=60),
       st.integers(min_value=1, max_value=7))
def test_command_like_noise_in_chunks_never_raises(parts: list[bytes], chunk: int) -> None:
    data = b"".join(parts)
    parser = EscPosParser()
    for i in range(0, len(data), chunk):
        parser.feed(data[i:i + chunk])
    parser.finish()
    assert parser.pending == 0
