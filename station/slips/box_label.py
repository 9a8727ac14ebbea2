"""Card-stock box labels (D-BO-4): a Code128 barcode of ``BOX-0012`` that the counter's scanner reads
(station.domain.barcodes.parse_box_label), with the box's manufacturing-number range printed under it."""

from __future__ import annotations

from io import BytesIO

from station.domain.barcodes import make_box_label


def box_label_png(box_no: int, first_mfg: str = "", last_mfg: str = "", count: int | None = None) -> bytes:
    """A PNG label: the barcode with its text, and (when given) the range and card count underneath."""
    from barcode import Code128
    from barcode.writer import ImageWriter
    from PIL import Image, ImageDraw

    code = BytesIO()
    Code128(make_box_label(box_no), writer=ImageWriter()).write(
        code, options={"module_height": 12.0, "font_size": 10, "text_distance": 4.0, "quiet_zone": 4.0, "dpi": 200})
    if not first_mfg:
        return code.getvalue()
    code.seek(0)
    img = Image.open(code).convert("L")
    line = f"{first_mfg} - {last_mfg}" + (f"  ({count})" if count is not None else "")
    out = Image.new("L", (img.width, img.height + 28), 255)
    out.paste(img, (0, 0))
    ImageDraw.Draw(out).text((img.width // 2, img.height + 4), line, fill=0, anchor="ma")
    buf = BytesIO()
    out.save(buf, format="PNG")
    return buf.getvalue()
