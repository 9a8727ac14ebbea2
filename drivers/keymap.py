"""Key events from an evdev keyboard(-like) device → characters, for keyboard-wedge scanners.

A wedge scanner "types" each barcode character as key presses, as if on the keyboard layout the
scanner is configured for. Japanese offices configure them for the JIS (106/109) layout, where the
symbols sit on different keys than on a US keyboard (e.g. ``]`` is the key right of ``:``, ``@`` is
right of ``P``, Shift+2 is ``"``). Getting this wrong would silently change AIM prefixes (``]C0``) and
any symbol in a code, so both layouts are explicit tables and the choice is a parameter.

Key codes are the Linux input-event-codes numbers (the same as ``evdev.ecodes``), written out here so
this module stays pure and importable without evdev; a unit test checks them against evdev.
"""

from __future__ import annotations

from collections.abc import Mapping

EV_KEY = 1
KEY_UP, KEY_DOWN, KEY_REPEAT = 0, 1, 2

KEY_ENTER = 28
KEY_KPENTER = 96
KEY_LEFTSHIFT = 42
KEY_RIGHTSHIFT = 54
KEY_CAPSLOCK = 58

# Keys that change state or switch input modes but type nothing: ignored inside a frame.
SILENT_KEYS: frozenset[int] = frozenset({
    29, 97,    # KEY_LEFTCTRL, KEY_RIGHTCTRL (handled as state below)
    56, 100,   # KEY_LEFTALT, KEY_RIGHTALT
    125, 126,  # KEY_LEFTMETA, KEY_RIGHTMETA
    69,        # KEY_NUMLOCK
    85,        # KEY_ZENKAKUHANKAKU
    92, 93, 94,  # KEY_HENKAN, KEY_KATAKANAHIRAGANA, KEY_MUHENKAN
    KEY_LEFTSHIFT, KEY_RIGHTSHIFT, KEY_CAPSLOCK,
})
CTRL_KEYS: frozenset[int] = frozenset({29, 97})

_LETTERS: dict[int, str] = {
    16: "q", 17: "w", 18: "e", 19: "r", 20: "t", 21: "y", 22: "u", 23: "i", 24: "o", 25: "p",
    30: "a", 31: "s", 32: "d", 33: "f", 34: "g", 35: "h", 36: "j", 37: "k", 38: "l",
    44: "z", 45: "x", 46: "c", 47: "v", 48: "b", 49: "n", 50: "m",
}
_DIGITS: dict[int, str] = {2: "1", 3: "2", 4: "3", 5: "4", 6: "5", 7: "6", 8: "7", 9: "8", 10: "9", 11: "0"}
# Keypad: independent of layout and of Shift (NumLock assumed on, as scanners send it).
_KEYPAD: dict[int, str] = {
    82: "0", 79: "1", 80: "2", 81: "3", 75: "4", 76: "5", 77: "6", 71: "7", 72: "8", 73: "9",
    83: ".", 98: "/", 55: "*", 74: "-", 78: "+",
}

# (unshifted, shifted) per key. "" means the key types nothing in that state.
JIS_LAYOUT: Mapping[int, tuple[str, str]] = {
    2: ("1", "!"), 3: ("2", '"'), 4: ("3", "#"), 5: ("4", "$"), 6: ("5", "%"),
    7: ("6", "&"), 8: ("7", "'"), 9: ("8", "("), 10: ("9", ")"), 11: ("0", ""),
    12: ("-", "="), 13: ("^", "~"), 124: ("\\", "|"),       # KEY_YEN: ¥ key, types backslash
    26: ("@", "`"), 27: ("[", "{"),                         # KEY_LEFTBRACE, KEY_RIGHTBRACE
    39: (";", "+"), 40: (":", "*"), 43: ("]", "}"),         # KEY_SEMICOLON, KEY_APOSTROPHE, KEY_BACKSLASH
    51: (",", "<"), 52: (".", ">"), 53: ("/", "?"), 89: ("\\", "_"),  # KEY_RO
    57: (" ", " "),
}
US_LAYOUT: Mapping[int, tuple[str, str]] = {
    2: ("1", "!"), 3: ("2", "@"), 4: ("3", "#"), 5: ("4", "$"), 6: ("5", "%"),
    7: ("6", "^"), 8: ("7", "&"), 9: ("8", "*"), 10: ("9", "("), 11: ("0", ")"),
    12: ("-", "_"), 13: ("=", "+"), 26: ("[", "{"), 27: ("]", "}"), 43: ("\\", "|"),
    39: (";", ":"), 40: ("'", '"'), 41: ("`", "~"),
    51: (",", "<"), 52: (".", ">"), 53: ("/", "?"), 57: (" ", " "),
}
LAYOUTS: Mapping[str, Mapping[int, tuple[str, str]]] = {"jis": JIS_LAYOUT, "us": US_LAYOUT}

# What an unknown key becomes: a non-printable byte, so the framer rejects the whole frame
# instead of passing a code with a character silently missing.
UNKNOWN_KEY_BYTE = b"\x1a"
ENTER_BYTE = b"\r"


def char_for(code: int, shift: bool, layout: str = "jis", caps: bool = False) -> str | None:
    """The character a key types, or None if it types nothing printable in this layout."""
    if code in _LETTERS:
        letter = _LETTERS[code]
        return letter.upper() if shift != caps else letter
    if code in _KEYPAD:
        return _KEYPAD[code]
    pair = LAYOUTS[layout].get(code)
    if pair is None:
        return None
    ch = pair[1] if shift else pair[0]
    return ch or None


class KeyTranslator:
    """Turns a stream of evdev key events into the bytes a serial scanner would have sent.

    Enter becomes CR so a wedge scanner can share the serial scanner's framer; keys that type
    nothing known become a non-printable byte so the frame is rejected rather than shortened.
    """

    def __init__(self, layout: str = "jis") -> None:
        if layout not in LAYOUTS:
            raise ValueError(f"unknown keyboard layout {layout!r}; use one of {sorted(LAYOUTS)}")
        self.layout = layout
        self._shift_keys: set[int] = set()
        self._ctrl_keys: set[int] = set()
        self._caps = False

    def reset(self) -> None:
        """Forget held modifiers (after a reconnect a key-up may never come)."""
        self._shift_keys.clear()
        self._ctrl_keys.clear()
        self._caps = False

    def feed(self, ev_type: int, code: int, value: int) -> bytes:
        if ev_type != EV_KEY:
            return b""
        if code in (KEY_LEFTSHIFT, KEY_RIGHTSHIFT):
            (self._shift_keys.add if value != KEY_UP else self._shift_keys.discard)(code)
            return b""
        if code in CTRL_KEYS:
            (self._ctrl_keys.add if value != KEY_UP else self._ctrl_keys.discard)(code)
            return b""
        if value != KEY_DOWN:  # key-up and autorepeat type nothing
            return b""
        if code == KEY_CAPSLOCK:
            self._caps = not self._caps
            return b""
        if code in SILENT_KEYS:
            return b""
        if code in (KEY_ENTER, KEY_KPENTER):
            return ENTER_BYTE
        ch = char_for(code, bool(self._shift_keys), self.layout, self._caps)
        if ch is None:
            return UNKNOWN_KEY_BYTE
        if self._ctrl_keys:
            # Ctrl+letter is how some wedges send control characters (GS for GS1); keep it
            # non-printable so the framer's rule applies instead of typing a plain letter.
            return bytes([ord(ch.upper()) & 0x1F]) if ch.isalpha() else UNKNOWN_KEY_BYTE
        return ch.encode("ascii")

    def feed_text(self, events: list[tuple[int, int, int]]) -> bytes:
        """Convenience for tests and simulators: translate a whole list of events."""
        return b"".join(self.feed(t, c, v) for t, c, v in events)


def events_for_text(text: str, layout: str = "jis", enter: bool = True) -> list[tuple[int, int, int]]:
    """Key events a wedge scanner sends for ``text`` (used by simulators and tests)."""
    reverse: dict[str, tuple[int, bool]] = {}
    for code, letter in _LETTERS.items():
        reverse[letter] = (code, False)
        reverse[letter.upper()] = (code, True)
    for code, (plain, _shifted) in LAYOUTS[layout].items():
        if plain:
            reverse.setdefault(plain, (code, False))
    for code, (_plain, shifted) in LAYOUTS[layout].items():
        if shifted:
            reverse.setdefault(shifted, (code, True))
    for code, digit in _DIGITS.items():
        reverse[digit] = (code, False)
    events: list[tuple[int, int, int]] = []
    for ch in text:
        if ch not in reverse:
            raise ValueError(f"character {ch!r} cannot be typed on the {layout} layout")
        code, shift = reverse[ch]
        if shift:
            events.append((EV_KEY, KEY_LEFTSHIFT, KEY_DOWN))
        events += [(EV_KEY, code, KEY_DOWN), (EV_KEY, code, KEY_UP)]
        if shift:
            events.append((EV_KEY, KEY_LEFTSHIFT, KEY_UP))
    if enter:
        events += [(EV_KEY, KEY_ENTER, KEY_DOWN), (EV_KEY, KEY_ENTER, KEY_UP)]
    return events
