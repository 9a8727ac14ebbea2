"""Print the distributions installed in this interpreter that the lock file does not name (for setup.sh).

Why: `pip install -r requirements.lock` adds and changes packages but never removes one the lock dropped;
a virtualenv that kept it would run tests against something CI's fresh one does not have."""

from __future__ import annotations

import re
import sys
from importlib import metadata


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked(path: str) -> set[str]:
    with open(path, encoding="utf-8") as f:
        return {canonical(re.split(r"[=\s;]", line, maxsplit=1)[0]) for line in f if re.match(r"[A-Za-z0-9]", line)}


if __name__ == "__main__":
    keep = locked(sys.argv[1]) | {"pip", "station"}
    installed = {canonical(d.metadata["Name"]) for d in metadata.distributions() if d.metadata["Name"]}
    print(" ".join(sorted(installed - keep)))
