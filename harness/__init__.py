"""mpspec's harness: how the specs are run, guarded and reported.

The specs (``specs/``) import this package; this package never imports the specs.
Child-side modules live in ``fixtures/``, the whole programs the specs run in
``fixtures/programs/``; the harness's own tests in ``harness/tests/``.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPECS_DIR = ROOT / "specs"
FIXTURES_DIR = ROOT / "fixtures"
PROGRAMS_DIR = FIXTURES_DIR / "programs"
HARNESS_TESTS_DIR = ROOT / "harness" / "tests"
CATALOG_PATH = SPECS_DIR / "claims.json"

# The configuration, as the facts about Python name it (fixtures/facts.py).
from fixtures.facts import MACOS, POSIX, START_METHODS, WINDOWS  # noqa: E402

PLATFORM_NAMES = {"win32": "Windows", "darwin": "macOS", "linux": "Linux"}
PLATFORM_NAME = PLATFORM_NAMES.get(sys.platform, sys.platform)  # as reports and skip reasons say it
