"""Parser events of one job → the receipt as a clerk would see it: decoded text and a PNG of the paper.

Two steps, because they cost very different amounts: `JobReader` takes what a test or the /sim page asks
about every job (text, barcodes, QR data, what was not understood) and keeps the job's events; the PNG is
drawn from those events only when someone asks for it (`render_png`). Drawing every job as it arrived
made the simulator the slowest part of the print path (about 6 receipts/s) and its image caches grew
with every ticket.

Geometry follows an 80 mm thermal printer at 203 dpi: 576 printable dots, Font A cells 12×24
(Kanji 24×24), 30-dot line pitch, GS ! magnification, so a big number in the PNG is as big as on paper.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import qrcode
from barcode import Code128
from PIL import Image, ImageDraw, ImageFont

from drivers.raster import FONT_CANDIDATES, FONT_ENV
from simulators import escpos_parser as p

PAPER_DOTS = 576
MARGIN = 24  # white paper beyond the printable area, so the PNG looks like a slip
LINE_GAP = 6  # default line spacing 30 dots = 24-dot cell + 6
QR_LEVELS = {"L": qrcode.constants.ERROR_CORRECT_L, "M": qrcode.constants.ERROR_CORRECT_M,
             "Q": qrcode.constants.ERROR_CORRECT_Q, "H": qrcode.constants.ERROR_CORRECT_H}


@dataclass
class JobContent:
    text: str
    barcodes: list[str]
    qr_codes: list[str]
    raster_images: int
    kanji_text: bool
    unknown: list[str]
    png: bytes
    # The text of each row as it came out of the printer: a line too wide for the paper is two rows here.
    printed_lines: list[str] = field(default_factory=list)


def find_font() -> tuple[Path, int]:
    """The Japanese font the simulated printer's ROM would have; its absence is a setup error."""
    env = os.environ.get(FONT_ENV)
    for path, index in ((env, 0), *FONT_CANDIDATES) if env else FONT_CANDIDATES:
        if Path(path).is_file():
            return Path(path), index
    raise RuntimeError(
        "日本語フォントが見つかりません。fonts-ipafont-gothic または fonts-noto-cjk を"
        "インストールしてください"
        " (No Japanese font: install fonts-ipafont-gothic or fonts-noto-cjk)"
    )


@lru_cache(maxsize=64)
def _font(path: Path, index: int, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size=size, index=index)


@lru_cache(maxsize=256)
def render_run(text: str, font_file: tuple[Path, int], *, width: int = 1, height: int = 1,
               bold: bool = False) -> Image.Image:
    """Characters as the printer forms them: a 24-dot cell magnified by GS ! (Font A / Kanji)."""
    cell = 24 * max(height, 1)
    font = _font(font_file[0], font_file[1], cell)
    stroke = max(1, cell // 24) if bold else 0
    # Emphasis thickens the strokes inside the cell; like a real printer's, it never widens the line
    # (12 double-width kanji fill 80 mm paper, bold or not).
    img = Image.new("L", (max(1, round(font.getlength(text))), cell), 255)
    ImageDraw.Draw(img).text((0, cell * 0.9), text, font=font, fill=0, anchor="ls",
                             stroke_width=stroke, stroke_fill=0)
    if width != height:
        img = img.resize((max(1, round(img.width * width / max(height, 1))), img.height), Image.LANCZOS)
    return img


@lru_cache(maxsize=4096)
def run_width(text: str, font_file: tuple[Path, int], *, width: int = 1, height: int = 1, bold: bool = False) -> int:
    """The width in dots `render_run` would give this text, without drawing it (line wrapping asks this
    for every prefix of a line; drawing each prefix filled the image cache with one-off pictures)."""
    cell = 24 * max(height, 1)
    font = _font(font_file[0], font_file[1], cell)
    w = max(1, round(font.getlength(text)))  # emphasis never widens a line (render_run)
    return max(1, round(w * width / max(height, 1))) if width != height else w


def _x_for(align: str, width: int) -> int:
    if align == "center":
        return max(0, (PAPER_DOTS - width) // 2)
    if align == "right":
        return max(0, PAPER_DOTS - width)
    return 0


@dataclass
class JobAssembler:
    """Collects the events between two cuts."""

    font_file: tuple[Path, int]
    blocks: list[Image.Image] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    printed_lines: list[str] = field(default_factory=list)
    line: list[p.Text] = field(default_factory=list)
    barcodes: list[str] = field(default_factory=list)
    qr_codes: list[str] = field(default_factory=list)
    raster_images: int = 0
    kanji_text: bool = False
    unknown: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.blocks or self.line or self.lines)

    def add(self, event: p.Event) -> None:
        if isinstance(event, p.Text):
            self.line.append(event)
            self.kanji_text |= event.kanji
        elif isinstance(event, p.Newline):
            self._end_line()
        elif isinstance(event, p.FeedLines):
            self._flush_partial()
            for _ in range(event.lines):
                self._end_line()
        elif isinstance(event, p.FeedDots):
            self._flush_partial()
            if event.dots:
                self.blocks.append(Image.new("L", (PAPER_DOTS, event.dots), 255))
        elif isinstance(event, p.Barcode):
            self._flush_partial()
            self._barcode(event)
        elif isinstance(event, p.QRCode):
            self._flush_partial()
            self._qr(event)
        elif isinstance(event, p.Raster):
            self._flush_partial()
            self._raster(event)
        elif isinstance(event, p.Unknown):
            self.unknown.append(f"{event.note}: {event.command.hex(' ')}")

    def finish(self) -> JobContent:
        self._flush_partial()
        text = "\n".join(self.lines).rstrip("\n")
        return JobContent(text, self.barcodes, self.qr_codes, self.raster_images, self.kanji_text,
                          self.unknown, self._png(), self.printed_lines)

    # text ---------------------------------------------------------------------------------------
    def _flush_partial(self) -> None:
        if self.line:
            self._end_line()

    def _end_line(self) -> None:
        runs, self.line = self.line, []
        self.lines.append("".join(r.text for r in runs))
        if not runs:
            self.printed_lines.append("")
            self.blocks.append(Image.new("L", (PAPER_DOTS, 24 + LINE_GAP), 255))
            return
        align = runs[0].style.align  # ESC a takes effect at the start of a line
        for visual in self._wrap(runs):
            self.blocks.append(self._line_image(visual, align))

    def _run_image(self, text: str, style: p.Style) -> Image.Image:
        img = render_run(text, self.font_file, width=style.width, height=style.height, bold=style.bold)
        if style.underline:
            img = img.copy()  # cached images are shared
            ImageDraw.Draw(img).line([(0, img.height - 2), (img.width, img.height - 2)], fill=0, width=2)
        return img

    def _wrap(self, runs: list[p.Text]) -> list[list[Image.Image]]:
        """Break a line where the printer would: when the next character does not fit the paper."""
        visual: list[list[Image.Image]] = [[]]
        texts: list[str] = [""]
        x = 0
        for run in runs:
            whole = self._run_image(run.text, run.style) if run.text else None
            if whole is not None and x + whole.width <= PAPER_DOTS:  # the usual case: the run fits as it is
                visual[-1].append(whole)
                texts[-1] += run.text
                x += whole.width
                continue
            start = 0
            st = run.style
            for end in range(1, len(run.text) + 1):
                w = run_width(run.text[start:end], self.font_file, width=st.width, height=st.height, bold=st.bold)
                if x + w > PAPER_DOTS and end - start > 1:
                    visual[-1].append(self._run_image(run.text[start:end - 1], run.style))
                    texts[-1] += run.text[start:end - 1]
                    visual.append([])
                    texts.append("")
                    x, start = 0, end - 1
            if start < len(run.text):
                piece = self._run_image(run.text[start:], run.style)
                visual[-1].append(piece)
                texts[-1] += run.text[start:]
                x += piece.width
        self.printed_lines += [tx for v, tx in zip(visual, texts, strict=True) if v]
        return [v for v in visual if v]

    @staticmethod
    def _line_image(pieces: list[Image.Image], align: str) -> Image.Image:
        height = max(im.height for im in pieces)
        width = sum(im.width for im in pieces)
        line = Image.new("L", (PAPER_DOTS, height + LINE_GAP), 255)
        x = _x_for(align, width)
        for im in pieces:
            line.paste(im, (x, height - im.height))  # characters share the baseline
            x += im.width
        return line

    # symbols ------------------------------------------------------------------------------------
    def _barcode(self, event: p.Barcode) -> None:
        if event.symbology == "CODE128" and not event.code_set_selected:
            self.unknown.append("Code128 without code set selection: printer prints nothing")
            return
        self.barcodes.append(event.data)
        try:
            modules = Code128(event.data).build()[0]
        except Exception:  # data the library cannot encode: show it as text rather than crash
            modules = ""
        module = max(event.module_width, 1)
        bars = Image.new("L", (max(len(modules) * module, 1), event.height), 255)
        draw = ImageDraw.Draw(bars)
        for n, bit in enumerate(modules):
            if bit == "1":
                draw.rectangle([n * module, 0, (n + 1) * module - 1, event.height - 1], fill=0)
        parts = [bars]
        if event.hri:
            hri = render_run(event.data, self.font_file)
            parts = [hri, bars] if event.hri == 1 else [bars, hri] if event.hri == 2 else [hri, bars, hri]
        block = Image.new("L", (PAPER_DOTS, sum(im.height for im in parts) + LINE_GAP * len(parts)), 255)
        y = 0
        for im in parts:
            block.paste(im, (_x_for(event.align, im.width), y))
            y += im.height + LINE_GAP
        self.blocks.append(block)

    def _qr(self, event: p.QRCode) -> None:
        if not event.data:
            return
        self.qr_codes.append(event.data)
        code = qrcode.QRCode(error_correction=QR_LEVELS[event.error_level], box_size=event.module_size,
                             border=2)
        try:
            code.add_data(event.data)
            code.make(fit=True)
        except Exception:  # more data than any QR version holds: a real printer prints nothing
            self.unknown.append("QR data does not fit any QR version")
            return
        img = code.make_image(fill_color="black", back_color="white").get_image().convert("L")
        block = Image.new("L", (PAPER_DOTS, img.height), 255)
        block.paste(img, (_x_for(event.align, img.width), 0))
        self.blocks.append(block)

    def _raster(self, event: p.Raster) -> None:
        self.raster_images += 1
        if not event.width or not event.height:
            return
        img = Image.frombytes("1", (event.width, event.height), bytes(b ^ 0xFF for b in event.rows))
        img = img.convert("L")
        if event.scale:
            img = img.resize((img.width * (2 if event.scale & 1 else 1),
                              img.height * (2 if event.scale & 2 else 1)), Image.NEAREST)
        if img.width > PAPER_DOTS:
            img = img.crop((0, 0, PAPER_DOTS, img.height))
        block = Image.new("L", (PAPER_DOTS, img.height), 255)
        block.paste(img, (_x_for(event.align, img.width), 0))
        self.blocks.append(block)

    def _png(self) -> bytes:
        height = sum(b.height for b in self.blocks)
        paper = Image.new("L", (PAPER_DOTS + 2 * MARGIN, height + 2 * MARGIN), 255)
        y = MARGIN
        for block in self.blocks:
            paper.paste(block, (MARGIN, y))
            y += block.height
        out = io.BytesIO()
        paper.save(out, format="PNG", optimize=True)
        return out.getvalue()


# --- the cheap half: what every job is asked about, and its events for drawing it later ----------------
@dataclass(frozen=True)
class JobFacts:
    text: str
    barcodes: tuple[str, ...]
    qr_codes: tuple[str, ...]
    raster_images: int
    kanji_text: bool
    unknown: tuple[str, ...]
    events: tuple[p.Event, ...]  # what `render_png` draws the paper from


@dataclass
class JobReader:
    """Collects one job's events between two cuts and reads off its text and symbols, drawing nothing.

    Gives the same text, barcodes, QR data and "not understood" notes as `JobAssembler` (a test compares
    them), at a small fraction of the cost."""

    events: list[p.Event] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    line: list[str] = field(default_factory=list)
    barcodes: list[str] = field(default_factory=list)
    qr_codes: list[str] = field(default_factory=list)
    raster_images: int = 0
    kanji_text: bool = False
    unknown: list[str] = field(default_factory=list)
    marked: bool = False  # something that puts ink or paper on the slip besides text lines

    @property
    def empty(self) -> bool:
        return not (self.marked or self.line or self.lines)

    def add(self, event: p.Event) -> None:
        self.events.append(event)
        if isinstance(event, p.Text):
            self.line.append(event.text)
            self.kanji_text |= event.kanji
        elif isinstance(event, p.Newline):
            self._end_line()
        elif isinstance(event, p.FeedLines):
            self._flush_partial()
            for _ in range(event.lines):
                self._end_line()
        elif isinstance(event, p.FeedDots):
            self._flush_partial()
            self.marked |= event.dots > 0
        elif isinstance(event, p.Barcode):
            self._flush_partial()
            if event.symbology == "CODE128" and not event.code_set_selected:
                self.unknown.append("Code128 without code set selection: printer prints nothing")
            else:
                self.barcodes.append(event.data)
                self.marked = True
        elif isinstance(event, p.QRCode):
            self._flush_partial()
            self._qr(event)
        elif isinstance(event, p.Raster):
            self._flush_partial()
            self.raster_images += 1
            self.marked |= bool(event.width and event.height)
        elif isinstance(event, p.Unknown):
            self.unknown.append(f"{event.note}: {event.command.hex(' ')}")

    def _flush_partial(self) -> None:
        if self.line:
            self._end_line()

    def _end_line(self) -> None:
        self.lines.append("".join(self.line))
        self.line = []

    def _qr(self, event: p.QRCode) -> None:
        if not event.data:
            return
        self.qr_codes.append(event.data)
        code = qrcode.QRCode(error_correction=QR_LEVELS[event.error_level], box_size=event.module_size, border=2)
        try:
            code.add_data(event.data)
            code.best_fit()  # the version only, no matrix: enough to know whether it fits
        except Exception:  # more data than any QR version holds: a real printer prints nothing
            self.unknown.append("QR data does not fit any QR version")
            return
        self.marked = True

    def finish(self) -> JobFacts:
        self._flush_partial()
        return JobFacts("\n".join(self.lines).rstrip("\n"), tuple(self.barcodes), tuple(self.qr_codes),
                        self.raster_images, self.kanji_text, tuple(self.unknown), tuple(self.events))


def printed_rows(events: tuple[p.Event, ...], font_file: tuple[Path, int]) -> tuple[str, ...]:
    """Each row of one job as printed (a line too wide for the paper is two rows), worked out from its
    events on request, as the paper is drawn: without encoding the PNG."""
    job = JobAssembler(font_file)
    for event in events:
        job.add(event)
    job._flush_partial()
    return tuple(job.printed_lines)


def render_png(events: tuple[p.Event, ...], font_file: tuple[Path, int]) -> bytes:
    """The paper of one job as a PNG, drawn from its events (on request: nobody looks at most slips)."""
    job = JobAssembler(font_file)
    for event in events:
        job.add(event)
    return job.finish().png
