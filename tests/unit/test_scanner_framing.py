"""ScanFramer rules (pure, injected clock) and the evdev key translation that feeds it."""

from __future__ import annotations

import logging
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers import keymap
from drivers.keymap import EV_KEY, KEY_DOWN, KEY_LEFTSHIFT, KEY_REPEAT, KEY_UP, KeyTranslator, events_for_text
from drivers.scanner import AIM_BY_SYMBOLOGY, SUFFIXES, Scan, ScanFramer, ScanRejected

PRINTABLE = "".join(chr(c) for c in range(0x20, 0x7F))


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def texts(results: list[Scan | ScanRejected]) -> list[str]:
    return [r.text for r in results if isinstance(r, Scan)]


def codes(results: list[Scan | ScanRejected]) -> list[str]:
    return [r.code for r in results if isinstance(r, ScanRejected)]


@pytest.mark.parametrize("suffix", ["CR", "LF", "CRLF"])
def test_valid_codes_with_each_suffix(suffix: str) -> None:
    framer = ScanFramer(suffix=suffix)
    end = SUFFIXES[suffix]
    out = framer.feed(b"TK-1234" + end + b"AB1-234567" + end, now=1.0)
    assert texts(out) == ["TK-1234", "AB1-234567"]
    assert codes(out) == []
    assert all(isinstance(r, Scan) and r.symbology is None and r.at == 1.0 for r in out)


def test_code_split_across_reads_is_joined() -> None:
    framer = ScanFramer(suffix="CRLF")
    assert framer.feed(b"TK-1", now=1.0) == []
    assert framer.feed(b"234\r", now=1.05) == []
    assert texts(framer.feed(b"\n", now=1.1)) == ["TK-1234"]


@pytest.mark.parametrize(("symbology", "aim"), sorted(AIM_BY_SYMBOLOGY.items()))
def test_aim_prefix_is_stripped_and_reported(symbology: str, aim: str) -> None:
    framer = ScanFramer(aim_prefix=True)
    (scan,) = framer.feed(aim.encode() + b"TK-77\r", now=0.0)
    assert scan == Scan("TK-77", symbology, 0.0)


def test_aim_prefix_missing_is_rejected() -> None:
    framer = ScanFramer(aim_prefix=True)
    out = framer.feed(b"TK-77\r", now=0.0)
    assert codes(out) == ["no_aim"]
    assert texts(framer.feed(b"]Q1AB1-234567\r", now=0.1)) == ["AB1-234567"]


def test_noise_is_rejected_and_next_code_passes() -> None:
    framer = ScanFramer()
    out = framer.feed(b"\x00\xfe\x13q\x81\x07\x1b[\xff\r", now=0.0)
    assert codes(out) == ["non_printable"]
    assert texts(out) == []
    assert texts(framer.feed(b"TK-5\r", now=0.01)) == ["TK-5"]


def test_non_printable_inside_condemns_the_whole_frame() -> None:
    framer = ScanFramer()
    out = framer.feed(b"AB1-2\x0034567\r", now=0.0)
    assert texts(out) == []  # neither "AB1-2" nor the tail "34567" is passed
    assert len(out) == 1
    (rej,) = out
    assert isinstance(rej, ScanRejected)
    assert rej.code == "non_printable"
    assert rej.raw_len == 6
    assert rej.reason_ja.startswith("バーコードを読み取れませんでした")
    assert rej.reason_en


def test_eight_bit_bytes_are_non_printable() -> None:
    assert codes(ScanFramer().feed("交付".encode() + b"\r", now=0.0)) == ["non_printable"]


def test_over_long_input_is_rejected_once() -> None:
    framer = ScanFramer(max_length=128)
    assert texts(framer.feed(b"A" * 128 + b"\r", now=0.0)) == ["A" * 128]
    out = framer.feed(b"B" * 500 + b"\r", now=0.01)
    assert codes(out) == ["too_long"]
    assert texts(out) == []
    assert texts(framer.feed(b"TK-9\r", now=0.02)) == ["TK-9"]


def test_configurable_max_length() -> None:
    assert codes(ScanFramer(max_length=4).feed(b"TK-12\r", now=0.0)) == ["too_long"]


def test_partial_frame_times_out_on_poll() -> None:
    clock = Clock()
    framer = ScanFramer(frame_timeout_ms=150, clock=clock)
    assert framer.feed(b"AB1-23") == []
    clock.now += 0.1
    assert framer.poll() == []
    clock.now += 0.1
    out = framer.poll()
    assert codes(out) == ["timeout"]
    assert out[0].raw_len == 6  # type: ignore[union-attr]
    assert framer.poll() == []  # rejected once
    clock.now += 1
    assert texts(framer.feed(b"TK-1\r")) == ["TK-1"]


def test_silence_then_more_bytes_rejects_the_old_part_first() -> None:
    framer = ScanFramer(frame_timeout_ms=150)
    framer.feed(b"AB1-23", now=0.0)
    out = framer.feed(b"TK-1\r", now=0.5)
    assert codes(out) == ["timeout"]
    assert texts(out) == ["TK-1"]  # not "AB1-23TK-1"


def test_timeout_counts_from_the_last_byte() -> None:
    framer = ScanFramer(frame_timeout_ms=150)
    for i in range(10):  # a slow but steady stream is not a timeout
        assert framer.feed(b"A", now=i * 0.1) == []
    assert texts(framer.feed(b"\r", now=1.0)) == ["A" * 10]


@pytest.mark.parametrize(
    ("suffix", "data"),
    [("CR", b"TK-1\n"), ("LF", b"TK-1\r"), ("CRLF", b"TK-1\n"), ("CRLF", b"TK-1\rX")],
)
def test_wrong_suffix_is_noise(suffix: str, data: bytes) -> None:
    out = ScanFramer(suffix=suffix).feed(data, now=0.0)
    assert codes(out) == ["wrong_suffix"]
    assert texts(out) == []


def test_empty_frame_is_rejected() -> None:
    assert codes(ScanFramer().feed(b"\r", now=0.0)) == ["empty"]


def test_logs_never_carry_the_content(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="drivers.scanner")
    framer = ScanFramer(frame_timeout_ms=150)
    framer.feed(b"XY9-876543\rXY9-87\x00\rXY9-876543\nXY9-8", now=0.0)
    framer.poll(now=1.0)
    assert caplog.records
    assert "876" not in caplog.text
    assert "XY9" not in caplog.text


def test_rejects_unknown_suffix_setting() -> None:
    with pytest.raises(ValueError):
        ScanFramer(suffix="TAB")


codes_st = st.text(alphabet=PRINTABLE, min_size=1, max_size=128)


@given(st.lists(codes_st, min_size=1, max_size=6), st.data(), st.sampled_from(sorted(SUFFIXES)))
def test_any_chunking_of_valid_frames_yields_the_codes(items: list[str], data: st.DataObject,
                                                       suffix: str) -> None:
    stream = b"".join(t.encode() + SUFFIXES[suffix] for t in items)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=8)))
    framer = ScanFramer(suffix=suffix)
    out: list[Scan | ScanRejected] = []
    prev = 0
    for cut in [*cuts, len(stream)]:
        out += framer.feed(stream[prev:cut], now=0.0)
        prev = cut
    assert texts(out) == items
    assert codes(out) == []


@given(st.binary(max_size=400), st.sampled_from(sorted(SUFFIXES)), st.booleans())
def test_random_bytes_never_raise_and_only_pass_clean_codes(data: bytes, suffix: str, aim: bool) -> None:
    framer = ScanFramer(suffix=suffix, aim_prefix=aim, max_length=32)
    out = framer.feed(data, now=0.0) + framer.poll(now=10.0)
    for r in out:
        if isinstance(r, Scan):
            assert r.text and len(r.text) <= 32
            assert all(ch in PRINTABLE for ch in r.text)
        else:
            assert r.reason_ja and r.reason_en and r.raw_len >= 0


# --- keymap: evdev key events → characters -------------------------------------------------


def test_key_codes_match_evdev() -> None:
    from evdev import ecodes

    assert keymap.KEY_ENTER == ecodes.KEY_ENTER
    assert keymap.KEY_KPENTER == ecodes.KEY_KPENTER
    assert keymap.KEY_LEFTSHIFT == ecodes.KEY_LEFTSHIFT
    assert keymap.EV_KEY == ecodes.EV_KEY
    names = {
        "KEY_1": "1", "KEY_0": "0", "KEY_A": "a", "KEY_Q": "q", "KEY_Z": "z", "KEY_M": "m",
        "KEY_MINUS": "-", "KEY_KP5": "5", "KEY_KPMINUS": "-", "KEY_SPACE": " ",
        "KEY_BACKSLASH": "]", "KEY_LEFTBRACE": "@", "KEY_RIGHTBRACE": "[", "KEY_APOSTROPHE": ":",
        "KEY_SEMICOLON": ";", "KEY_RO": "\\", "KEY_YEN": "\\", "KEY_EQUAL": "^",
    }
    for name, ch in names.items():
        assert keymap.char_for(ecodes.ecodes[name], shift=False, layout="jis") == ch, name
    for letter in string.ascii_lowercase:
        assert keymap.char_for(ecodes.ecodes[f"KEY_{letter.upper()}"], shift=True) == letter.upper()


@pytest.mark.parametrize(
    ("key", "plain", "shifted"),
    [(3, "2", '"'), (7, "6", "&"), (9, "8", "("), (12, "-", "="), (26, "@", "`"), (40, ":", "*"),
     (39, ";", "+"), (43, "]", "}"), (89, "\\", "_")],
)
def test_jis_symbols_differ_from_us(key: int, plain: str, shifted: str) -> None:
    assert keymap.char_for(key, shift=False, layout="jis") == plain
    assert keymap.char_for(key, shift=True, layout="jis") == shifted


def test_shift_handling_and_enter() -> None:
    t = KeyTranslator("jis")
    events = [
        (EV_KEY, KEY_LEFTSHIFT, KEY_DOWN), (EV_KEY, 48, KEY_DOWN), (EV_KEY, 48, KEY_UP),  # B
        (EV_KEY, KEY_LEFTSHIFT, KEY_UP), (EV_KEY, 48, KEY_DOWN), (EV_KEY, 48, KEY_UP),  # b
        (EV_KEY, 48, KEY_REPEAT),  # autorepeat types nothing
        (0, 0, 0),  # SYN_REPORT
        (EV_KEY, keymap.KEY_KPENTER, KEY_DOWN),
    ]
    assert t.feed_text(events) == b"Bb\r"


def test_caps_lock_inverts_letters_only() -> None:
    t = KeyTranslator()
    events = [(EV_KEY, keymap.KEY_CAPSLOCK, KEY_DOWN), (EV_KEY, 30, KEY_DOWN), (EV_KEY, 2, KEY_DOWN)]
    assert t.feed_text(events) == b"A1"


typeable = st.text(alphabet=string.ascii_letters + string.digits + "-]@:;/.,[", max_size=40)


@given(typeable, st.sampled_from(["jis", "us"]))
def test_wedge_events_round_trip_through_the_framer(text: str, layout: str) -> None:
    data = KeyTranslator(layout).feed_text(events_for_text(text, layout))
    out = ScanFramer(suffix="CR").feed(data, now=0.0)
    assert texts(out) == ([text] if text else [])


def test_aim_prefix_typed_on_a_jis_wedge() -> None:
    data = KeyTranslator("jis").feed_text(events_for_text("]Q1AB1-234567"))
    assert ScanFramer(aim_prefix=True).feed(data, now=0.0) == [Scan("AB1-234567", "qr", 0.0)]


def test_wrong_layout_garbles_and_is_visible() -> None:
    # A JIS-configured scanner read as US: "]" arrives as "\\" and the AIM check rejects it.
    data = KeyTranslator("us").feed_text(events_for_text("]Q1AB1-234567", "jis"))
    assert codes(ScanFramer(aim_prefix=True).feed(data, now=0.0)) == ["no_aim"]


def test_unknown_and_ctrl_keys_condemn_the_frame() -> None:
    t = KeyTranslator()
    f1 = 59  # KEY_F1 types nothing a code may contain
    events = [*events_for_text("AB1", enter=False), (EV_KEY, f1, KEY_DOWN), *events_for_text("234567")]
    data = t.feed_text(events)
    assert codes(ScanFramer().feed(data, now=0.0)) == ["non_printable"]
    ctrl = t.feed_text([(EV_KEY, 29, KEY_DOWN), (EV_KEY, 34, KEY_DOWN), (EV_KEY, 29, KEY_UP)])
    assert ctrl == b"\x07"


def test_unknown_layout_is_refused() -> None:
    with pytest.raises(ValueError):
        KeyTranslator("dvorak")
