"""A receipt as a printer-independent layout.

Services decide *what* goes on a slip (a ticket, a 持ち物案内 slip …) and build a `Receipt`; the
printer driver decides *how* those elements become ESC/POS bytes (Kanji mode or raster fallback).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Align(enum.StrEnum):
    LEFT = "left"
    CENTER = "center"
    RIGHT = "right"


@dataclass(frozen=True)
class Text:
    text: str
    width: int = 1   # character magnification 1..8
    height: int = 1  # character magnification 1..8
    bold: bool = False
    align: Align = Align.LEFT


@dataclass(frozen=True)
class Barcode:
    """A Code128 barcode (what the counter's scanner reads back)."""

    data: str
    align: Align = Align.CENTER


@dataclass(frozen=True)
class QRCode:
    data: str
    size: int = 6  # module size in dots
    align: Align = Align.CENTER


@dataclass(frozen=True)
class Feed:
    lines: int = 1


@dataclass(frozen=True)
class Rule:
    """A horizontal separator line."""

    char: str = "-"


Element = Text | Barcode | QRCode | Feed | Rule


@dataclass(frozen=True)
class Receipt:
    """Elements printed top to bottom, then the paper is cut."""

    elements: tuple[Element, ...] = field(default_factory=tuple)
    cut: bool = True

    def plain_text(self) -> str:
        """The text content, line by line, as a visitor would read it (for logs-free checks and previews)."""
        return "\n".join(e.text for e in self.elements if isinstance(e, Text))
