"""Run every benchmark in bench/ (each script with a `main`), one after another, and print their figures.

Exits non-zero only when a script crashes (a traceback, a non-zero exit, a timeout) — a missed target is
a figure to read, not a failure. `--quick` is passed through for smaller sizes.

    .venv/bin/python bench/run.py [--quick] [--only office,display_fanout] [--timeout 1800]
"""

from __future__ import annotations

import argparse
import ast
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
SKIP = {"__init__", "common", "run"}
# Smaller sizes for scripts that have no --quick of their own (only options they already accept).
QUICK_ARGS = {
    "ticket_path": ["--presses", "200"],
    "card_read": ["--taps", "50", "--opensc-runs", "10"],
    "stock_import": ["--rows", "20000", "--reps", "1", "--lookups", "500"],
}


def scripts() -> list[Path]:
    """Every bench/*.py that defines a top-level `main` function."""
    out = []
    for path in sorted(BENCH.glob("*.py")):
        if path.stem in SKIP:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if any(isinstance(n, ast.FunctionDef) and n.name == "main" for n in tree.body):
            out.append(path)
    return out


def quick_args(path: Path) -> list[str]:
    if '"--quick"' in path.read_text(encoding="utf-8"):
        return ["--quick"]
    return QUICK_ARGS.get(path.stem, [])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="smaller sizes (passed to each script that has --quick)")
    ap.add_argument("--only", help="comma-separated script names (without .py)")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per script")
    args = ap.parse_args()
    chosen = scripts()
    if args.only:
        names = {n.strip().removesuffix(".py") for n in args.only.split(",")}
        unknown = names - {p.stem for p in chosen}
        if unknown:
            print(f"no such benchmark: {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
        chosen = [p for p in chosen if p.stem in names]
    crashed: list[str] = []
    results: list[tuple[str, str, float]] = []
    for path in chosen:
        cmd = [sys.executable, str(path)]
        if args.quick:
            cmd += quick_args(path)
        print(f"=== {path.name} {' '.join(cmd[2:])}", flush=True)
        t0 = time.monotonic()
        try:
            proc = subprocess.run(cmd, cwd=BENCH.parent, timeout=args.timeout, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)
            output, code = proc.stdout, proc.returncode
        except subprocess.TimeoutExpired as e:
            out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
            output, code = out + f"\n(timed out after {args.timeout:.0f} s)", -1
        secs = time.monotonic() - t0
        print(output.rstrip(), flush=True)
        status = "ok" if code == 0 else f"CRASHED (exit {code})"
        if code != 0:
            crashed.append(path.name)
        results.append((path.name, status, secs))
        print(flush=True)
    print("=== summary (figures above; ratios are against baselines measured in the same run)")
    for name, status, secs in results:
        print(f"{name:28} {status:22} {secs:7.1f} s")
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
