"""A message as the rules speak it: a stable code and its parameters, never a sentence.

The sentence in Japanese or English is looked up at the edge (`station.messages.text`), so a rule can be
read — and tested — without caring about wording, and English is complete wherever Japanese is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Msg:
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, code: str, **params: Any) -> Msg:
        return cls(code, params)
