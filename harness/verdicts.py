"""Verdicts: did the tutorial's statement hold in this configuration?

A spec states two facts about each observation in one call::

    verdict.expect(observed, python=..., tutorial=..., what="...")

``python`` is what Python does in this configuration (a value, or ``either(a, b, ...)``
when scheduling decides between several outcomes); the call asserts that ``observed`` is
one of them. ``tutorial`` is what the tutorial predicts (a value, or ``either(...)``, or
``NOT_APPLICABLE`` when the claim is about another configuration). The verdict follows from
the two, and is never written down by hand:

- holds: every outcome Python allows here is one the tutorial predicts;
- does not hold: none is;
- partly: the observation is a dict of aspects, and the tutorial is right about some of
  them and wrong about the others (the tutorial is half right);
- luck: some outcomes Python allows here match the tutorial and some do not, so scheduling
  decides (recorded, never asserted, never counted as an OS or version difference);
- not applicable: the claim is about another configuration.

``specs/INTERPRETING.md`` says what each word means to a reader of the matrix. Several
verdicts of one claim in one configuration, within a test or across tests and runs, fold
with one rule (``fold``): "not applicable" gives way to any other verdict; if one verdict
is left, that is the cell; if several are, the cell says the tests disagree.
"""

HOLDS = "holds"
DOES_NOT_HOLD = "does not hold"
PARTLY = "partly"
LUCK = "luck"
NOT_APPLICABLE = "not applicable"
VERDICTS = (HOLDS, DOES_NOT_HOLD, PARTLY, LUCK, NOT_APPLICABLE)

# What a cell of the matrix may show besides a verdict.
DISAGREE = "tests disagree"  # the tests of one claim measured different verdicts
SKIPPED = "skipped"
FAILED = "spec failed"
CELL_STATES = VERDICTS + (DISAGREE, SKIPPED, FAILED)

PROPERTY = "mpspec"  # the key under which a test's record travels in user_properties


class VerdictError(Exception):
    """A spec used the verdict recorder wrongly (a bug in the spec, not in Python)."""


class either:
    """Several outcomes, any of which may be observed (``python=``) or predicted (``tutorial=``)."""

    def __init__(self, *outcomes):
        if len(outcomes) < 2:
            raise VerdictError("either() takes two or more outcomes")
        self.outcomes = outcomes

    def __contains__(self, value):
        return any(value == o for o in self.outcomes)

    def __iter__(self):
        return iter(self.outcomes)

    def __repr__(self):
        return " or ".join(repr(o) for o in self.outcomes)


def _outcomes(value):
    return list(value) if isinstance(value, either) else [value]


def _matches(outcome, tutorial):
    """The verdict of one outcome against the tutorial's prediction."""
    if isinstance(outcome, dict) and not isinstance(tutorial, either):
        if not isinstance(tutorial, dict) or set(tutorial) - set(outcome):
            raise VerdictError(f"the tutorial's prediction {tutorial!r} must name aspects of {outcome!r}")
        right = [outcome[k] == v for k, v in tutorial.items()]
        return HOLDS if all(right) else DOES_NOT_HOLD if not any(right) else PARTLY
    predicted = _outcomes(tutorial)
    return HOLDS if any(outcome == p for p in predicted) else DOES_NOT_HOLD


def judge(python, tutorial):
    """The verdict when Python allows ``python`` here and the tutorial predicts ``tutorial``."""
    if tutorial is NOT_APPLICABLE:
        return NOT_APPLICABLE
    found = {_matches(o, tutorial) for o in _outcomes(python)}
    return found.pop() if len(found) == 1 else LUCK


def fold(values):
    """One rule for several verdicts of one claim in one place (a test, a cell, a merge)."""
    found = list(dict.fromkeys(v for v in values if v))
    if not found:
        return None
    if FAILED in found:
        return FAILED
    judged = [v for v in found if v in VERDICTS or v == DISAGREE]
    if not judged:
        return SKIPPED
    if len(judged) > 1:
        judged = [v for v in judged if v != NOT_APPLICABLE]
    return judged[0] if len(judged) == 1 else DISAGREE


class Verdict:
    """Records, for the claim(s) a spec test carries, what it observed and the verdict."""

    def __init__(self, claim_ids, start_method=None, records=None):
        self.claim_ids = tuple(claim_ids)
        self.start_method = start_method
        self.records = {} if records is None else records  # claim -> {"verdict", "observed", "observations"}

    def _claim(self, claim):
        if claim is None:
            if len(self.claim_ids) != 1:
                raise VerdictError(
                    f"this test carries claims {self.claim_ids}; say which one with claim=")
            return self.claim_ids[0]
        if claim not in self.claim_ids:
            raise VerdictError(f"claim {claim!r} is not among this test's markers {self.claim_ids}")
        return claim

    def expect(self, observed, *, python, tutorial, what="observed", claim=None, detail=None):
        """Assert that ``observed`` is what Python does here (``python``), then record the
        verdict against the tutorial's prediction (``tutorial``). ``what`` names the
        observation; ``detail`` is added to the assertion's message (a program's output, say)."""
        cid = self._claim(claim)
        allowed = python if isinstance(python, either) else either(python, python)
        if observed not in allowed:
            where = f" under {self.start_method}" if self.start_method else ""
            message = f"{cid}{where}: {what}: observed {observed!r}, but Python does {python!r} here"
            raise AssertionError(message + (f"\n{detail}" if detail else ""))
        value = judge(python, tutorial)
        text = f"{what}: {observed!r}"
        if tutorial is not NOT_APPLICABLE:
            text += f" (tutorial: {tutorial!r})"
        record = self.records.setdefault(cid, {"verdict": None, "observed": "", "observations": []})
        record["observations"].append({"verdict": value, "observed": text})
        record["verdict"] = fold(o["verdict"] for o in record["observations"])
        record["observed"] = "; ".join(o["observed"] for o in record["observations"])
        return observed

    # -- transitional: the calls of the first verdict design, until every spec uses expect()
    def _legacy(self, value, observed, claim):
        cid = self._claim(claim)
        record = self.records.setdefault(cid, {"verdict": None, "observed": "", "observations": []})
        record["observations"].append({"verdict": value, "observed": str(observed)})
        record["verdict"] = fold(o["verdict"] for o in record["observations"])
        record["observed"] = "; ".join(o["observed"] for o in record["observations"])

    def record(self, holds, observed, claim=None):
        self._legacy(HOLDS if holds else DOES_NOT_HOLD, observed, claim)

    def compare(self, predicted, observed, claim=None, what="observed"):
        self._legacy(HOLDS if predicted == observed else DOES_NOT_HOLD,
                     f"{what}={observed!r}, tutorial predicts {predicted!r}", claim)

    def partly(self, observed, claim=None):
        self._legacy(PARTLY, observed, claim)

    def not_assertable(self, why, claim=None):
        self._legacy(LUCK, why, claim)
