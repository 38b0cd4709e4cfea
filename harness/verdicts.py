"""Verdicts: did the tutorial's statement hold in this configuration?

A spec states two facts about each observation in one call::

    verdict.expect(observed, python=..., tutorial=..., what="...")

``python`` is what Python does in this configuration (a value, or ``either(a, b, ...)``
when scheduling decides between several outcomes); the call asserts that ``observed`` is
one of them. ``tutorial`` is what the tutorial predicts (a value, or ``either(...)``, or
``NOT_APPLICABLE`` when the claim is about another configuration). The verdict follows from
the two, and is never written down by hand:

Each observation is judged aspect by aspect: a dict observation against a dict prediction
has one aspect per predicted key, any other observation is one aspect (named by ``what``).
An aspect is right, wrong, or undecided (Python's allowed outcomes differ on it, so
scheduling decides). All the observations of one claim in one configuration -- within a
test, across its tests, across runs -- conclude with one rule (``conclude``):

- not applicable: no observation is about this configuration (the claim is about another);
- tests disagree: one aspect was judged both ways;
- holds: every aspect right;
- does not hold: every aspect wrong;
- partly: some aspects wrong, the others right or undecided (the tutorial is half right);
- luck: none wrong, some undecided (recorded, never asserted, never counted as an OS or
  version difference).

``specs/INTERPRETING.md`` says what each word means to a reader of the matrix.
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


# How one aspect of an observation compares with the tutorial's prediction.
RIGHT, WRONG, UNDECIDED = "right", "wrong", "luck"


def _aspects_of(outcome, tutorial, what):
    """{aspect: RIGHT or WRONG} for one outcome: a dict outcome judged against a dict
    prediction has an aspect per predicted key; any other outcome is one aspect, ``what``."""
    if isinstance(outcome, dict) and not isinstance(tutorial, either):
        if not isinstance(tutorial, dict) or set(tutorial) - set(outcome):
            raise VerdictError(f"the tutorial's prediction {tutorial!r} must name aspects of {outcome!r}")
        return {f"{what}: {k}": RIGHT if outcome[k] == v else WRONG for k, v in tutorial.items()}
    return {what: RIGHT if any(outcome == p for p in _outcomes(tutorial)) else WRONG}


def assess(python, tutorial, what="observed"):
    """{aspect: RIGHT, WRONG or UNDECIDED} when Python allows ``python`` here and the tutorial
    predicts ``tutorial``; an aspect on which Python's allowed outcomes differ is UNDECIDED
    (scheduling decides); nothing at all when the claim is not about this configuration."""
    if tutorial is NOT_APPLICABLE:
        return {}
    found = {}
    for outcome in _outcomes(python):
        for aspect, result in _aspects_of(outcome, tutorial, what).items():
            found.setdefault(aspect, set()).add(result)
    return {aspect: results.pop() if len(results) == 1 else UNDECIDED for aspect, results in found.items()}


def conclude(assessments):
    """The one folding rule: the verdict of any number of observations (each an ``assess``
    result), within a test, across the tests of a cell, across runs.

    Observations that are not about this configuration give way; if none is left, the claim
    is not applicable. An aspect judged both ways (by two tests, say) means the tests disagree.
    Otherwise: every aspect right, holds; every aspect wrong, does not hold; some wrong and some
    right or undecided, partly; no aspect wrong and some undecided, luck."""
    judged = [a for a in assessments if a]
    if not judged:
        return NOT_APPLICABLE if assessments else None
    by_aspect = {}
    for assessment in judged:
        for aspect, result in assessment.items():
            by_aspect.setdefault(aspect, set()).add(result)
    if any(len(results) > 1 for results in by_aspect.values()):
        return DISAGREE
    found = {result for results in by_aspect.values() for result in results}
    if WRONG in found:
        return DOES_NOT_HOLD if found == {WRONG} else PARTLY
    return LUCK if UNDECIDED in found else HOLDS


def judge(python, tutorial):
    """The verdict of one observation: ``conclude([assess(python, tutorial)])``."""
    return conclude([assess(python, tutorial)])


# A verdict word alone (without its aspects) as an assessment, so that fold() can take words.
_WORD_AS_ASSESSMENT = {
    HOLDS: {"": RIGHT}, DOES_NOT_HOLD: {"": WRONG}, LUCK: {"": UNDECIDED}, NOT_APPLICABLE: {},
    PARTLY: {"(in part)": RIGHT, "(in the other part)": WRONG},
}


def fold(items):
    """The cell (or a test's record) from its items: observations (dicts with ``aspects``),
    verdict words, or the states FAILED and SKIPPED. A failure wins; then the observations
    are concluded with the one rule (``conclude``); a cell with nothing but skips is SKIPPED."""
    items = [i for i in items if i]
    if not items:
        return None
    words = [i for i in items if isinstance(i, str)]
    if FAILED in words:
        return FAILED
    if DISAGREE in words:
        return DISAGREE
    assessments = [i.get("aspects", _WORD_AS_ASSESSMENT.get(i.get("verdict"), {})) if isinstance(i, dict)
                   else _WORD_AS_ASSESSMENT[i] for i in items if not (isinstance(i, str) and i == SKIPPED)]
    if not assessments:
        return SKIPPED
    return conclude(assessments)


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
        aspects = assess(python, tutorial, what)
        text = f"{what}: {observed!r}"
        if tutorial is not NOT_APPLICABLE:
            text += f" (tutorial: {tutorial!r})"
        record = self.records.setdefault(cid, {"verdict": None, "observed": "", "observations": []})
        record["observations"].append({"verdict": conclude([aspects]), "observed": text, "aspects": aspects})
        record["verdict"] = fold(record["observations"])
        record["observed"] = "; ".join(o["observed"] for o in record["observations"])
        return observed
