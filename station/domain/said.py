"""Words a rule hands on for someone to read, still as codes: `Said` is a `Msg` whose `ja` / `en` render it
when an edge asks; `Words` is a name already in both languages, passed as a parameter.

Apart from `station.domain.messages` so the catalog module (which imports `Msg`) never sits in a circle
with the one lazy import here.
"""

from __future__ import annotations

from dataclasses import dataclass

from station.domain.messages import Msg


class Said(Msg):
    """A `Msg` a rule hands on as words someone will read (a card verdict's line, a document problem):
    still a code and its parameters; `ja` / `en` render it when an edge asks (the catalog is looked up
    only then, as `station.domain.queue.QueueRuleError` does)."""

    @property
    def ja(self) -> str:
        from station.messages import text  # rendering is the edge's business, done only when asked

        return text(self, "ja")

    @property
    def en(self) -> str:
        from station.messages import text

        return text(self, "en")

    def __getitem__(self, i: int) -> str:
        """Reads as the (ja, en) pair the rules handed on before they spoke in codes."""
        return (self.ja, self.en)[i]


@dataclass(frozen=True)
class Words:
    """A name that is already in both languages (a document's name from the procedures catalog), passed
    as a message parameter: each language's sentence takes its own side."""

    ja: str
    en: str
