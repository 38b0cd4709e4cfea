"""The claim catalog: ``specs/claims.json``, one entry per claim of the tutorial.

Each entry has an ``id`` (the checklist's stable ID, or a finer one under the same prefix),
the tutorial ``section``, a ``statement`` in English and ``statement_zh`` in Chinese (both
restated in the project's own words), and, where the tutorial is wrong, partial, outdated or
platform-specific, an ``errata`` note saying what is really true (a claim that does not hold
everywhere must have one: ``harness.report`` and the pytest run check it).

The catalog keeps no list of tests: a claim's tests are the ones whose ``claim(...)`` marker
names it. The report gathers them from a run's results (``harness.report.Matrix.tests``),
the topic index reads them from specs/ (``harness.topics``).
"""

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, List, Optional

from harness import CATALOG_PATH

REQUIRED = ("id", "section", "statement", "statement_zh")
OPTIONAL = ("errata", "locate")


class CatalogError(Exception):
    """The catalog file is missing or malformed."""


@dataclass(frozen=True)
class Claim:
    id: str
    section: str
    statement: str
    statement_zh: str
    errata: Optional[str] = None
    locate: Optional[str] = None

    @property
    def prefix(self) -> str:
        return self.id.split(".", 1)[0]


def parse(text: str, source: str = str(CATALOG_PATH)) -> List[Claim]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise CatalogError(f"{source}: not valid JSON: {exc}") from None
    entries = data.get("claims") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise CatalogError(f'{source}: expected an object with a "claims" list')
    claims, seen = [], set()
    for n, entry in enumerate(entries):
        where = f"{source}: claims[{n}]"
        if not isinstance(entry, dict):
            raise CatalogError(f"{where}: expected an object")
        missing = [k for k in REQUIRED if not entry.get(k)]
        unknown = sorted(set(entry) - set(REQUIRED) - set(OPTIONAL))
        if missing or unknown:
            raise CatalogError(f"{where} ({entry.get('id')}): missing {missing}, unknown {unknown}")
        if entry["id"] in seen:
            raise CatalogError(f"{where}: duplicate id {entry['id']!r}")
        seen.add(entry["id"])
        claims.append(Claim(**entry))
    return claims


@lru_cache(maxsize=None)
def load() -> Dict[str, Claim]:
    """All claims by ID, in tutorial order (dicts keep insertion order)."""
    try:
        text = CATALOG_PATH.read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogError(f"cannot read the claim catalog: {exc}") from None
    return {c.id: c for c in parse(text)}
