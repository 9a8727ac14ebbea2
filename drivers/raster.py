"""Japanese text drawn as a 1-bit image, for printers without Kanji mode (and for the simulator's preview).

The font is a fixed-pitch Japanese gothic when available (IPAGothic): at 24 px it gives the printer's own
12×24 half-width / 24×24 full-width cells, so raster lines look like the printer's own text.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT_CANDIDATES: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf", 0),
    ("/usr/share/fonts/truetype/fonts-japanese-gothic.ttf", 0),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 0),  # index 0 = Noto Sans CJK JP
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 0),
    ("/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc", 0),
)
FONT_ENV = "STATION_JP_FONT"
BASE_CELL = 24  # dots: height of one character line at magnification 1
PAPER_DOTS = 576  # printable width of 80 mm paper at 203 dpi


class FontNotFoundError(RuntimeError):
    """No Japanese font: raster printing cannot work, and the clerk must be told how to fix it."""

    def __init__(self) -> None:
        super().__init__(
            "日本語フォントが見つかりません。fonts-ipafont-gothic または fonts-noto-cjk を"
            "インストールするか、環境変数 STATION_JP_FONT にフォントファイルを指定してください"
            " (No Japanese font found: install fonts-ipafont-gothic or fonts-noto-cjk,"
            " or set STATION_JP_FONT)"
        )


def find_japanese_font(explicit: str | os.PathLike[str] | None = None) -> tuple[Path, int]:
    """The font file (and collection index) to draw Japanese with; raises FontNotFoundError."""
    choices: list[tuple[str, int]] = []
    if explicit:
        choices.append((os.fspath(explicit), 0))
    if os.environ.get(FONT_ENV):
        choices.append((os.environ[FONT_ENV], 0))
    choices.extend(FONT_CANDIDATES)
    for path, index in choices:
        if Path(path).is_file():
            return Path(path), index
    raise FontNotFoundError()


@lru_cache(maxsize=64)
def load_font(path: str, index: int, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size=size, index=index)


def render_run(text: str, font_file: tuple[Path, int], *, width: int = 1, height: int = 1,
               bold: bool = False) -> Image.Image:
    """One run of text as an 'L' image (black on white), magnified like GS ! does."""
    path, index = font_file
    cell = BASE_CELL * max(height, 1)
    font = load_font(str(path), index, cell)
    stroke = max(1, cell // 24) if bold else 0
    advance = font.getlength(text) + 2 * stroke
    img = Image.new("L", (max(1, round(advance)), cell), 255)
    ImageDraw.Draw(img).text((stroke, cell * 0.9), text, font=font, fill=0, anchor="ls",
                             stroke_width=stroke, stroke_fill=0)
    if width != height:
        img = img.resize((max(1, round(img.width * width / max(height, 1))), img.height), Image.LANCZOS)
    return img


def wrap_runs(text: str, font_file: tuple[Path, int], *, width: int, height: int, bold: bool,
              max_dots: int) -> list[Image.Image]:
    """Text broken into printable lines no wider than max_dots (character wrap, like a printer)."""
    lines: list[Image.Image] = []
    current = ""
    for ch in text:
        trial = current + ch
        if current and render_run(trial, font_file, width=width, height=height, bold=bold).width > max_dots:
            lines.append(render_run(current, font_file, width=width, height=height, bold=bold))
            current = ch
        else:
            current = trial
    lines.append(render_run(current, font_file, width=width, height=height, bold=bold))
    return lines


def text_to_image(text: str, font_file: tuple[Path, int], *, width: int = 1, height: int = 1,
                  bold: bool = False, align: str = "left", paper_dots: int = PAPER_DOTS) -> Image.Image:
    """A full-width ('1' mode) image of the text, aligned on the paper, ready for GS v 0."""
    lines = wrap_runs(text, font_file, width=width, height=height, bold=bold, max_dots=paper_dots)
    gap = 6
    canvas = Image.new("L", (paper_dots, sum(im.height for im in lines) + gap * len(lines)), 255)
    y = 0
    for im in lines:
        if align == "center":
            x = (paper_dots - im.width) // 2
        elif align == "right":
            x = paper_dots - im.width
        else:
            x = 0
        canvas.paste(im, (max(0, x), y))
        y += im.height + gap
    return canvas.point(lambda v: 255 if v >= 128 else 0).convert("1")


def pack_bits(image: Image.Image) -> tuple[int, int, bytes]:
    """(width, height, rows) with 1 = black, as GS v 0 wants (PIL's '1' mode uses 1 = white)."""
    mono = image.convert("1")
    raw = bytearray(b ^ 0xFF for b in mono.tobytes())  # rows padded to whole bytes, bit set = white
    row_bytes = (mono.width + 7) // 8
    pad = row_bytes * 8 - mono.width
    if pad:
        keep = (0xFF << pad) & 0xFF  # the padding must stay white, not print as a black stripe
        for end in range(row_bytes - 1, len(raw), row_bytes):
            raw[end] &= keep
    return mono.width, mono.height, bytes(raw)
