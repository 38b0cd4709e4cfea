"""The spec files keep the shape that makes one fact live in one place.

Knowledge about configurations lives in ``fixtures/facts.py``, so a spec asks for the expected
value instead of branching on its start method, OS or Python; deadlines are named there too;
observations are typed, so nothing compares against the strings "True" and "False"; and no
spec file grows past what a reader takes in at once. ``python -m harness.tests.test_spec_style``
prints each count and where it comes from.
"""

import ast
import sys

from harness import FIXTURES_DIR, ROOT, SPECS_DIR

MAX_BRANCHES = 15
MAX_LITERAL_TIMEOUTS = 5
MAX_LINES = 400

# Names whose appearance in a condition makes it a branch on the configuration.
CONFIGURATION_NAMES = {"start_method", "method", "WINDOWS", "MACOS", "LINUX", "POSIX", "PY"}
CONFIGURATION_PREFIXES = ("FORKSERVER_", "HAS_", "WARNS_")
WAITING_CALLS = {"join", "wait", "poll", "get", "acquire", "wait_for", "receive", "collect"}


def spec_files():
    return sorted(SPECS_DIR.glob("test_*.py"))


def _mentions_configuration(node):
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and (sub.id in CONFIGURATION_NAMES or sub.id.startswith(CONFIGURATION_PREFIXES)):
            return True
        if isinstance(sub, ast.Attribute):
            if sub.attr in ("platform", "version_info") and isinstance(sub.value, ast.Name) and sub.value.id == "sys":
                return True
            if isinstance(sub.value, ast.Name) and sub.value.id == "facts":
                return True
            if sub.attr in CONFIGURATION_NAMES or sub.attr.startswith(CONFIGURATION_PREFIXES):
                return True
        if isinstance(sub, ast.Constant) and sub.value in ("fork", "spawn", "forkserver"):
            return True
    return False


def _only_skips(body):
    """An ``if`` whose body only skips (a configuration that cannot exist) is not a branch."""
    return all(isinstance(s, ast.Expr) and isinstance(s.value, ast.Call)
               and getattr(s.value.func, "attr", None) in ("skip", "xfail") for s in body)


def branches(tree):
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _mentions_configuration(node.test) and not _only_skips(node.body):
            found.append(node.lineno)
        elif isinstance(node, ast.IfExp) and _mentions_configuration(node.test):
            found.append(node.lineno)
    return found


def _number(node):
    return isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) \
        and not isinstance(node.value, bool) and node.value > 0


def literal_timeouts(tree):
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        if any(k.arg in ("timeout", "deadline") and _number(k.value) for k in node.keywords):
            found.append(node.lineno)
            continue
        name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
        if name in WAITING_CALLS and node.args and _number(node.args[0]):
            found.append(node.lineno)
        elif name == "timeout" and node.args and _number(node.args[0]):  # pytest.mark.timeout(n)
            found.append(node.lineno)
    return found


def true_false_strings(tree):
    return [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Constant) and n.value in ("True", "False")]


def counts():
    """{check: [(file name, line), ...]} over every spec file."""
    result = {"branches": [], "literal timeouts": [], '"True"/"False" strings': [], "long files": []}
    for path in spec_files():
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text, str(path))
        result["branches"] += [(path.name, n) for n in branches(tree)]
        result["literal timeouts"] += [(path.name, n) for n in literal_timeouts(tree)]
        result['"True"/"False" strings'] += [(path.name, n) for n in true_false_strings(tree)]
        lines = text.count("\n")
        if lines > MAX_LINES:
            result["long files"].append((path.name, lines))
    return result


def _where(found):
    return ", ".join(f"{name}:{line}" for name, line in found)


def test_specs_branch_on_their_configuration_at_most_fifteen_times():
    found = counts()["branches"]
    assert len(found) <= MAX_BRANCHES, (
        f"{len(found)} branches on start method, OS or Python version in specs/ (at most "
        f"{MAX_BRANCHES}): name the fact in fixtures/facts.py instead: {_where(found)}")


def test_specs_name_their_deadlines():
    found = counts()["literal timeouts"]
    assert len(found) <= MAX_LITERAL_TIMEOUTS, (
        f"{len(found)} literal timeouts in specs/ (at most {MAX_LITERAL_TIMEOUTS}): use "
        f"facts.SHORT or facts.LONG: {_where(found)}")


def test_specs_compare_typed_observations_not_the_strings_true_and_false():
    found = counts()['"True"/"False" strings']
    assert not found, f'compare bools, not the strings "True"/"False": {_where(found)}'


def test_no_spec_file_is_longer_than_a_reader_takes_in_at_once():
    found = counts()["long files"]
    assert not found, f"spec files over {MAX_LINES} lines: " + ", ".join(f"{n} ({c} lines)" for n, c in found)


def _imported_packages(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module.split(".")[0]


def test_the_fixtures_import_neither_the_specs_nor_the_harness():
    """The specs import the harness and the fixtures, the harness imports the fixtures (to run
    them); the fixtures -- the child-side modules, the facts and the programs -- import neither,
    so a child never loads pytest or the harness."""
    found = [(str(p.relative_to(ROOT)), name) for p in sorted(FIXTURES_DIR.rglob("*.py"))
             for name in _imported_packages(p) if name in ("specs", "harness", "pytest")]
    assert not found, f"fixtures importing the specs, the harness or pytest: {found}"


def test_the_harness_never_imports_the_specs():
    found = [(str(p.relative_to(ROOT)), name) for p in sorted((ROOT / "harness").rglob("*.py"))
             if "tests" not in p.relative_to(ROOT).parts for name in _imported_packages(p) if name == "specs"]
    assert not found, f"harness modules importing the specs: {found}"


if __name__ == "__main__":
    for check, found in counts().items():
        print(f"{check}: {len(found)}" + (f"  ({_where(found)})" if found else ""))
    sys.exit(0)
