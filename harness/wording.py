"""Behaviour apart from wording: where a spec checks the text of a message CPython writes.

    wording(str(exc), "local object", what="spawn: the pickling error names the local object")

Under the reference (CPython's own multiprocessing) it asserts that every fragment is in
``text``, as a plain ``assert`` would. Under another implementation (PyPy's, ``--mp-impl``)
a mismatch is recorded, not raised: at the end of the test the mismatches seen must be
exactly the implementation's listed ``wording`` entries (specs/expectations/<name>.json,
see harness/implementations.py), else the test fails -- naming the text of an unlisted
mismatch, or saying that a listed one no longer occurs. The plugin does that check.

Returns whether every fragment was found (``whole=True``: whether the text is the fragment).
"""

from harness import implementations

_seen = []  # (what, text, what is wrong with it) of the mismatches of the running test


def wording(text, *fragments, what, whole=False, start=False):
    """``whole=True``: the text must be exactly the one fragment given; ``start=True``: it
    must begin with it."""
    text = str(text)
    if whole or start:
        assert len(fragments) == 1, "whole=True and start=True compare the text with one fragment"
        missing = [f for f in fragments if (f != text if whole else not text.startswith(f))]
    else:
        missing = [f for f in fragments if f not in text]
    if not missing:
        return True
    says = "is not" if whole else "does not start with" if start else "does not say"
    if implementations.is_reference():
        raise AssertionError(f"{what}: the message {says} {', '.join(map(repr, missing))}:\n{text}")
    _seen.append((what, text, f"the message {says} {', '.join(map(repr, missing))}"))
    return False


def begin():
    """A test starts: no mismatch seen yet."""
    del _seen[:]


def problems(entries):
    """What is wrong with the mismatches seen, given the test's listed wording entries."""
    found = []
    for what, text, says in _seen:
        if not any(e.get("what") in (None, what) for e in entries):
            found.append(f"{what}: {says} and no wording entry of "
                         f"{implementations.expectation_key()}.json lists it:\n{text}")
    for e in entries:
        if not any(e.get("what") in (None, what) for what, _t, _f in _seen):
            about = f" ({e['what']})" if e.get("what") else ""
            found.append(f"the listed wording difference{about} no longer occurs: {e['reason']}")
    return found
