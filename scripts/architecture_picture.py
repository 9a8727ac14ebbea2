"""Draw docs/architecture.png: the parts of the code and the import arrows between them, measured.

    .venv/bin/python scripts/architecture_picture.py [--out docs/architecture.png]

Why generated: a hand-drawn picture drifts from the code. This one is built from the same ast import graph
that tests/unit/test_architecture.py checks (run-time imports, lazy ones included, `if TYPE_CHECKING:` left
out), grouped into the parts docs/architecture.md names. Grey arrows are allowed, orange is the one
documented exception (`station run` serves the web app), red breaks a rule — after every noun reaches the
target shape the picture has no red. Pillow only (no graphviz on these machines): the layout is a fixed
grid of layers, top imports bottom.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections import Counter
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.unit.test_architecture import imports, modules, ours  # noqa: E402  (one graph for test and picture)

# part → (column, row, caption); rows are layers: a part may import the rows below it.
PARTS: dict[str, tuple[float, float, str]] = {
    "cli": (0, 0, "station/cli*.py\ncommands"),
    "simulators": (3, 0, "simulators/\nwire-level devices"),
    "root": (0, 1, "station/app.py\ncomposition root"),
    "web": (1.5, 1, "web/ app, security,\nerrors, schemas"),
    "routers": (3, 1, "web/routers/\nthin routers"),
    "services": (1, 2, "station/services/\nuse cases"),
    "slips": (2.5, 2, "station/slips/\nprinted layouts"),
    "store": (0, 3, "station/store/\nrepos, uow, models"),
    "config": (1.2, 3, "config.py\nconfig_files.py\nprocedures_catalog"),
    "messages": (2.4, 3, "station/messages/\ncatalogs ja/en"),
    "core": (3.5, 3, "station/ clock, events,\ndevice_factory …"),
    "domain": (1, 4, "station/domain/\npure rules"),
    "drivers": (2.8, 4, "drivers/\ndevice protocols"),
}
CONFIG_MODULES = {"station.config", "station.config_files", "station.procedures_catalog"}


def part_of(mod: str) -> str:
    """The part of docs/architecture.md a module belongs to."""
    head, _, rest = mod.partition(".")
    sub = rest.split(".")[0] if rest else ""
    if head in ("drivers", "simulators"):
        return head
    if head == "web":
        return "routers" if sub == "routers" else "web"
    if mod == "station.app":
        return "root"
    if sub.startswith("cli") or mod.endswith(".cli"):  # station/cli*.py, and a package's own commands (ops/cli.py)
        return "cli"
    if mod in CONFIG_MODULES:
        return "config"
    if sub in ("domain", "store", "services", "slips", "messages"):
        return sub
    return "core"


def verdict(src: str, dst: str) -> str:
    """allowed | exception | broken, per the arrows of docs/architecture.md."""
    if src == "cli" and dst in ("web", "routers"):
        return "exception"
    if src == "domain" and dst == "messages":
        return "exception"  # a domain error renders its words lazily when read (docs/architecture.md)
    if src == "domain":
        return "broken"
    if src == "drivers":
        return "broken"
    if src == "routers" and dst == "store":
        return "broken"
    if src not in ("web", "routers", "simulators") and dst in ("web", "routers"):
        return "broken"
    if dst in ("cli", "root") and src not in ("cli", "root", "web"):
        return "broken"
    if src in ("store", "config", "messages", "core") and dst == "services":
        return "broken"
    return "allowed"


def part_graph() -> Counter[tuple[str, str]]:
    """How many module imports go from each part to each other part."""
    edges: Counter[tuple[str, str]] = Counter()
    for mod in modules():
        for imp in imports(mod):
            target = ours(imp)
            if target and target != mod:
                a, b = part_of(mod), part_of(target)
                if a != b:
                    edges[(a, b)] += 1
    return edges


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    for name in ("DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default()


def draw(edges: Counter[tuple[str, str]], out: Path) -> None:
    box_w, box_h, col_w, row_h, margin = 230, 78, 290, 170, 60
    width = int(margin * 2 + col_w * 3.5 + box_w)
    height = int(margin * 2 + row_h * 4 + box_h + 90)
    img = Image.new("RGB", (width, height), "white")
    d = ImageDraw.Draw(img)
    font, small = _font(15), _font(12)
    centre = {p: (margin + c * col_w + box_w / 2, margin + r * row_h + box_h / 2) for p, (c, r, _) in PARTS.items()}
    colours = {"allowed": (150, 150, 150), "exception": (230, 140, 0), "broken": (210, 30, 30)}

    def border(p: str, toward: tuple[float, float]) -> tuple[float, float]:
        (x, y), (tx, ty) = centre[p], toward
        dx, dy = tx - x, ty - y
        scale = min(box_w / 2 / abs(dx) if dx else math.inf, box_h / 2 / abs(dy) if dy else math.inf)
        return x + dx * scale, y + dy * scale

    order = sorted(edges, key=lambda e: ["allowed", "exception", "broken"].index(verdict(*e)))
    for a, b in order:
        if a not in centre or b not in centre:
            continue
        colour = colours[verdict(a, b)]
        (x1, y1), (x2, y2) = border(a, centre[b]), border(b, centre[a])
        d.line([(x1, y1), (x2, y2)], fill=colour, width=2 if verdict(a, b) == "allowed" else 3)
        ang = math.atan2(y2 - y1, x2 - x1)
        head = [(x2, y2), (x2 - 12 * math.cos(ang - 0.4), y2 - 12 * math.sin(ang - 0.4)),
                (x2 - 12 * math.cos(ang + 0.4), y2 - 12 * math.sin(ang + 0.4))]
        d.polygon(head, fill=colour)
        mx, my = x1 + (x2 - x1) * 0.35, y1 + (y2 - y1) * 0.35
        d.text((mx + 3, my - 14), str(edges[(a, b)]), fill=colour, font=small)
    for p, (_, _, caption) in PARTS.items():
        x, y = centre[p]
        fill = (232, 244, 255) if p == "domain" else (245, 245, 245)
        d.rounded_rectangle([x - box_w / 2, y - box_h / 2, x + box_w / 2, y + box_h / 2], 10, fill=fill,
                            outline=(60, 60, 60), width=2)
        d.multiline_text((x, y), caption, fill="black", font=font, anchor="mm", align="center")
    legend_y = height - 70
    for i, (name, text) in enumerate((("allowed", "allowed import (number: module imports)"),
                                      ("exception", "documented exception (docs/architecture.md)"),
                                      ("broken", "breaks a rule (tests/unit/test_architecture.py)"))):
        x = margin + i * 380
        d.line([(x, legend_y), (x + 40, legend_y)], fill=colours[name], width=3)
        d.text((x + 48, legend_y - 8), text, fill="black", font=small)
    d.text((margin, height - 40), "generated by scripts/architecture_picture.py from the ast import graph; "
           "arrows point from importer to imported", fill=(90, 90, 90), font=small)
    img.save(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "architecture.png")
    args = ap.parse_args()
    edges = part_graph()
    draw(edges, args.out)
    broken = sorted((a, b, n) for (a, b), n in edges.items() if verdict(a, b) == "broken")
    print(f"wrote {args.out} ({len(edges)} arrows, {len(broken)} breaking a rule)")
    for a, b, n in broken:
        print(f"  {a} -> {b}: {n}")


if __name__ == "__main__":
    main()
