"""mpspec's harness: how the specs are run, guarded and reported.

The specs (``specs/``) import this package; this package never imports the specs.
Child-side code and whole programs live in ``fixtures/``.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPECS_DIR = ROOT / "specs"
FIXTURES_DIR = ROOT / "fixtures"
CATALOG_PATH = SPECS_DIR / "claims.json"

START_METHODS = ("fork", "spawn", "forkserver")
