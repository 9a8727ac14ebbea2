"""requirements.lock is current: it pins everything pyproject.toml asks for, and this environment (built
from it by scripts/setup.sh, as CI's is) runs exactly the pinned versions."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]
LOCK = REPO / "requirements.lock"


def locked() -> dict[str, tuple[str, Requirement, int]]:
    """name → (version, the pin with its marker, number of hashes)."""
    text = LOCK.read_text(encoding="utf-8")
    out: dict[str, tuple[str, Requirement, int]] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        if not re.match(r"[A-Za-z0-9]", block):
            continue
        first = block.split("\\", 1)[0].strip()
        req = Requirement(first)
        version = next(iter(req.specifier)).version
        out[canonicalize_name(req.name)] = (version, req, block.count("--hash=sha256:"))
    return out


def wanted() -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    reqs = project["project"]["dependencies"] + project["project"]["optional-dependencies"]["dev"]
    return [Requirement(r) for r in reqs + project["build-system"]["requires"]]


def test_every_requirement_of_pyproject_is_pinned_within_its_range() -> None:
    pins = locked()
    for req in wanted():
        if req.marker is not None and not req.marker.evaluate():
            continue
        name = canonicalize_name(req.name)
        assert name in pins, f"{req} is not in requirements.lock: run bash scripts/update-lock.sh"
        assert req.specifier.contains(pins[name][0], prereleases=True), (
            f"requirements.lock pins {name}=={pins[name][0]}, outside {req}: run bash scripts/update-lock.sh")


def test_every_pin_has_a_hash() -> None:
    for name, (_, _, hashes) in locked().items():
        assert hashes >= 1, name


def test_this_environment_runs_the_locked_versions() -> None:
    """What setup.sh installed (and so what CI ran) is exactly the lock."""
    installed = {canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions()}
    for name, (version, req, _) in locked().items():
        if req.marker is not None and not req.marker.evaluate():
            continue
        assert installed.get(name) == version, f"{name}: installed {installed.get(name)}, locked {version}"
    extra = set(installed) - set(locked()) - {"pip", "station"}
    assert not extra, f"installed but not locked (bash scripts/setup.sh removes them): {sorted(extra)}"
