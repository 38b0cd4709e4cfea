"""mpspec's harness: how the specs are run, guarded and reported.

The specs (``specs/``) import this package; this package never imports the specs.
Child-side modules live in ``fixtures/``, the whole programs the specs run in
``fixtures/programs/``; the harness's own tests in ``harness/tests/``.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPECS_DIR = ROOT / "specs"
FIXTURES_DIR = ROOT / "fixtures"
PROGRAMS_DIR = FIXTURES_DIR / "programs"
HARNESS_TESTS_DIR = ROOT / "harness" / "tests"
CATALOG_PATH = SPECS_DIR / "claims.json"

START_METHODS = ("fork", "spawn", "forkserver")

PLATFORM_NAMES = {"win32": "Windows", "darwin": "macOS", "linux": "Linux"}
PLATFORM_NAME = PLATFORM_NAMES.get(sys.platform, sys.platform)  # as reports and skip reasons say it

WINDOWS = sys.platform == "win32"
MACOS = sys.platform == "darwin"
POSIX = os.name == "posix"

# From 3.13.8 and 3.14.1 the forkserver imports the parent's __main__ once, in the server
# (GH-135295); before, every forkserver child re-imported it, as spawn children do.
# Observed on Linux: 3.13.0 re-imports in each child; 3.13.18, 3.14.10 and 3.15.2 preload.
FORKSERVER_PRELOADS_MAIN = sys.version_info >= (3, 14, 1) or (3, 13, 8) <= sys.version_info < (3, 14)
# When that preload raises, the server dies of it up to 3.14 (the parent's start() then fails
# on the dead server's socket). From 3.15 the server ignores the failure (the default of
# set_forkserver_preload's new on_error) and lives on, so each child imports __main__ itself
# and fails there, as a spawn child would. Observed on Linux: 3.13.18, 3.14.10 die; 3.15.2 lives.
FORKSERVER_SURVIVES_FAILED_PRELOAD = sys.version_info >= (3, 15)
