"""The arrows of docs/architecture.md, measured on the import graph (ast, no imports executed).

Fails when: a module under station/domain/ imports drivers, store, services, web, sqlalchemy, pyscard or
fastapi, or opens a file or reads the clock; there is an import circle among station/, web/, drivers/ and
simulators/; drivers/ imports station/ or web/; a router imports station.store; station/ imports web/
anywhere but the one documented place; a file in station/ or web/ is over 400 lines without saying why
at its top; the Tokyo zone is defined twice.

`KNOWN_UNTIL_MERGE` names the cases other branches are fixing in parallel; the coordinator empties it
after merging them (`test_allow_list_has_no_stale_entries` says which entries are fixed already).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("station", "web", "drivers", "simulators")
MAX_LINES = 400
LONG_FILE_REASON = "over 400 lines because"

# Imports a pure rule may not make (top-level name prefixes).
DOMAIN_FORBIDDEN = ("drivers", "simulators", "station.store", "station.services", "station.slips", "web",
                    "sqlalchemy", "smartcard", "fastapi", "starlette", "httpx", "tomllib", "station.config",
                    "station.config_files", "station.app", "station.clock")
# Calls that read a file or the clock: `open(...)`, `x.read_text()`, `datetime.now()`, `time.time()` …
IO_ATTRS = {"read_text", "read_bytes", "write_text", "write_bytes", "open", "now", "utcnow", "today",
            "monotonic", "perf_counter"}
TIME_FUNCS = {"time", "time_ns", "monotonic", "perf_counter", "localtime", "gmtime"}
# The one arrow station/ → web/: `station run` serves the web app (lazy import inside the command).
STATION_TO_WEB_ALLOWED = {("station.cli", "web.app")}

# (check, module, detail) — violations that other branches of issue 11 remove; empty this after merging.
KNOWN_UNTIL_MERGE: set[tuple[str, str, str]] = {
    # being reworked by the security branch (issue 13): the 個人番号 column rule, the scope check
    ("long-file", "station.domain.stock_csv", "over 400 lines"),
}


def _module_name(root: Path, path: Path) -> str:
    rel = path.relative_to(root).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


@cache
def modules(root: Path = REPO) -> dict[str, Path]:
    """Module name → file, for every .py file of the four packages under `root`."""
    out = {}
    for pkg in PACKAGES:
        for path in sorted((root / pkg).rglob("*.py")):
            out[_module_name(root, path)] = path
    return out


@cache
def tree(mod: str, root: Path = REPO) -> ast.Module:
    return ast.parse(modules(root)[mod].read_text(encoding="utf-8"))


def _is_type_checking(node: ast.If) -> bool:
    t = node.test
    return (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or (
        isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING")


def _runtime_nodes(node: ast.AST) -> Iterator[ast.AST]:
    """Every node except those under `if TYPE_CHECKING:` (annotations only, never run)."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child):
            for other in child.orelse:
                yield other
                yield from _runtime_nodes(other)
            continue
        yield child
        yield from _runtime_nodes(child)


@cache
def imports(mod: str, root: Path = REPO) -> frozenset[str]:
    """Modules `mod` imports at run time, lazy ones inside functions included; `from a import b` → a.b
    when a.b is a module of ours."""
    known = modules(root)
    is_pkg = known[mod].name == "__init__.py"
    out: set[str] = set()
    for node in _runtime_nodes(tree(mod, root)):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = mod.split(".")
                base = base[: len(base) - node.level + (1 if is_pkg else 0)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            for a in node.names:
                sub = f"{target}.{a.name}"
                out.add(sub if sub in known else target)
    out.discard(mod)
    return frozenset(out)


def _starts(name: str, prefixes: tuple[str, ...] | set[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def ours(name: str, root: Path = REPO) -> str | None:
    """The module of ours that `name` is (or is inside), else None."""
    known = modules(root)
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def _check(found: set[tuple[str, str, str]]) -> None:
    new = found - KNOWN_UNTIL_MERGE
    assert not new, "architecture rule broken (see docs/architecture.md):\n" + "\n".join(
        f"  {c}: {m}: {d}" for c, m, d in sorted(new))


# --- the rules -------------------------------------------------------------------------------------------
def domain_violations(root: Path = REPO) -> set[tuple[str, str, str]]:
    found = set()
    for mod in modules(root):
        if not _starts(mod, ("station.domain",)):
            continue
        for imp in imports(mod, root):
            if _starts(imp, DOMAIN_FORBIDDEN):
                found.add(("domain-import", mod, imp))
        for node in _runtime_nodes(tree(mod, root)):
            if not isinstance(node, ast.Call):
                continue
            f = node.func
            if isinstance(f, ast.Name) and f.id == "open":
                found.add(("domain-io", mod, f"open() line {node.lineno}"))
            elif isinstance(f, ast.Attribute):
                owner = f.value.id if isinstance(f.value, ast.Name) else ""
                if f.attr in IO_ATTRS or (owner == "time" and f.attr in TIME_FUNCS):
                    found.add(("domain-io", mod, f"{owner + '.' if owner else ''}{f.attr}() line {node.lineno}"))
    return found


def cycles(root: Path = REPO) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    graph = {m: sorted({o for i in imports(m, root) if (o := ours(i, root)) and o != m}) for m in modules(root)}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, it = work[-1]
            nxt = next(it, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(graph[nxt])))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == node:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return out


def cycle_violations(root: Path = REPO) -> set[tuple[str, str, str]]:
    return {("circle", c[0], " ".join(c)) for c in cycles(root)}


def layer_violations(root: Path = REPO) -> set[tuple[str, str, str]]:
    found = set()
    for mod in modules(root):
        for imp in imports(mod, root):
            if _starts(mod, ("drivers",)) and _starts(imp, ("station", "web")):
                found.add(("driver-import", mod, imp))
            if _starts(mod, ("web.routers",)) and _starts(imp, ("station.store",)):
                found.add(("router-store", mod, imp))
            if _starts(mod, ("station",)) and _starts(imp, ("web",)) and (mod, imp) not in STATION_TO_WEB_ALLOWED:
                found.add(("station-web", mod, imp))
    return found


def size_violations(root: Path = REPO) -> set[tuple[str, str, str]]:
    found = set()
    for mod, path in modules(root).items():
        if not _starts(mod, ("station", "web")):
            continue
        n = len(path.read_text(encoding="utf-8").splitlines())
        doc = ast.get_docstring(tree(mod, root)) or ""
        if n > MAX_LINES and LONG_FILE_REASON not in doc:
            found.add(("long-file", mod, f"over {MAX_LINES} lines"))  # no count: an entry outlives partial shortening
    return found


def zone_violations(root: Path = REPO) -> set[tuple[str, str, str]]:
    found = set()
    for mod in modules(root):
        for node in ast.walk(tree(mod, root)):
            if isinstance(node, ast.Constant) and node.value == "Asia/Tokyo" and mod != "station.domain.timezone":
                found.add(("tokyo-zone", mod, f"line {node.lineno}: use station.domain.timezone.TOKYO"))
    return found


ALL_CHECKS = (domain_violations, cycle_violations, layer_violations, size_violations, zone_violations)


# --- tests -----------------------------------------------------------------------------------------------
def test_domain_is_pure() -> None:
    _check(domain_violations())


def test_no_import_circle() -> None:
    _check(cycle_violations())


def test_layers_point_one_way() -> None:
    _check(layer_violations())


def test_no_long_file_without_a_reason() -> None:
    _check(size_violations())


def test_one_tokyo_zone() -> None:
    _check(zone_violations())


def test_allow_list_has_no_stale_entries() -> None:
    """An entry nothing violates any more is fixed: remove it so the rule guards that place again."""
    found = set().union(*(check() for check in ALL_CHECKS))
    stale = KNOWN_UNTIL_MERGE - found
    assert not stale, "fixed, remove from KNOWN_UNTIL_MERGE:\n" + "\n".join(f"  {s}" for s in sorted(stale))


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, src in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(src, encoding="utf-8")
    return root


def test_the_checks_fail_on_a_tree_that_breaks_every_rule(tmp_path: Path) -> None:
    """Each rule catches what it is for (on a made-up tree), and spares what is allowed."""
    root = _write(tmp_path, {
        "station/__init__.py": "",
        "station/domain/__init__.py": "",
        "station/domain/bad.py": "import sqlalchemy\nfrom drivers.cardreader import CardInfo\n"
                                 "from ..store import models\nimport datetime\n\n\n"
                                 "def f(p):\n    open(p)\n    return p.read_text(), datetime.datetime.now()\n",
        "station/domain/good.py": "from typing import TYPE_CHECKING\n\nfrom station.domain.timezone import TOKYO\n"
                                  "if TYPE_CHECKING:\n    from station.store.models import Ticket\n",
        "station/domain/timezone.py": "from zoneinfo import ZoneInfo\nTOKYO = ZoneInfo('Asia/Tokyo')\n",
        "station/store/__init__.py": "",
        "station/store/models.py": "",
        "station/a.py": "def f():\n    from station import b\n",
        "station/b.py": "import station.a\nJST = 'Asia/Tokyo'\n",
        "station/long.py": "x = 1\n" * 401,
        "station/long_ok.py": '"""Long: over 400 lines because it is a table."""\n' + "x = 1\n" * 401,
        "station/cli.py": "def run():\n    from web.app import create_app\n",
        "station/serve.py": "import web.app\n",
        "drivers/__init__.py": "",
        "drivers/cardreader.py": "from station.domain import good\n",
        "web/__init__.py": "",
        "web/app.py": "",
        "web/routers/__init__.py": "",
        "web/routers/r.py": "from station.store.models import Ticket\n",
    })
    assert domain_violations(root) == {
        ("domain-import", "station.domain.bad", "sqlalchemy"),
        ("domain-import", "station.domain.bad", "drivers.cardreader"),
        ("domain-import", "station.domain.bad", "station.store.models"),
        ("domain-io", "station.domain.bad", "open() line 8"),
        ("domain-io", "station.domain.bad", "p.read_text() line 9"),
        ("domain-io", "station.domain.bad", "now() line 9"),
    }
    assert cycle_violations(root) == {("circle", "station.a", "station.a station.b")}
    assert layer_violations(root) == {
        ("driver-import", "drivers.cardreader", "station.domain.good"),
        ("router-store", "web.routers.r", "station.store.models"),
        ("station-web", "station.serve", "web.app"),
    }
    assert size_violations(root) == {("long-file", "station.long", "over 400 lines")}
    assert zone_violations(root) == {("tokyo-zone", "station.b", "line 2: use station.domain.timezone.TOKYO")}
