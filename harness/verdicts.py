"""Measured verdicts: did the tutorial's statement hold in this configuration?

A spec asserts what Python really does (the *expectation*). Separately, it records the
*verdict*: whether what it observed in this run matches what the tutorial predicts. The
verdict is always computed from the observation, never written down in advance.
"""

HOLDS = "holds"
DOES_NOT_HOLD = "does not hold"
PARTLY = "partly"
NOT_ASSERTABLE = "not assertable"
VERDICTS = (HOLDS, DOES_NOT_HOLD, PARTLY, NOT_ASSERTABLE)

# Outcomes that are not verdicts, used in the claims matrix.
SKIPPED = "skipped"
FAILED = "spec failed"
NO_VERDICT = "no verdict"

PROPERTY = "mpspec"  # the key under which a test's record travels in user_properties


class VerdictError(Exception):
    """A spec used the verdict recorder wrongly (a bug in the spec, not in Python)."""


class Verdict:
    """Records, for the claim(s) a spec test carries, whether the tutorial held.

    ``record(holds, observed)``  -- holds is a bool computed from the observation;
    ``compare(predicted, observed)`` -- holds when the observation equals the tutorial's
    prediction; ``partly(observed)`` -- the tutorial is half right;
    ``not_assertable(why)`` -- the claim is about scheduling luck and cannot be decided.
    """

    def __init__(self, claim_ids, start_method=None):
        self.claim_ids = tuple(claim_ids)
        self.start_method = start_method
        self.records = {}

    def _claim(self, claim):
        if claim is None:
            if len(self.claim_ids) != 1:
                raise VerdictError(
                    f"this test carries claims {self.claim_ids}; say which one with claim=")
            return self.claim_ids[0]
        if claim not in self.claim_ids:
            raise VerdictError(f"claim {claim!r} is not among this test's markers {self.claim_ids}")
        return claim

    def _store(self, value, observed, claim):
        cid = self._claim(claim)
        previous = self.records.get(cid)
        if previous is not None and previous["verdict"] != value:
            # Two observations in one test disagree: the tutorial holds only in part.
            value = PARTLY
            observed = f"{previous['observed']}; {observed}"
        self.records[cid] = {"verdict": value, "observed": str(observed)}

    def record(self, holds, observed, claim=None):
        if not isinstance(holds, bool):
            raise VerdictError(f"holds must be a bool computed from an observation, got {holds!r}")
        self._store(HOLDS if holds else DOES_NOT_HOLD, observed, claim)

    def compare(self, predicted, observed, claim=None, what="observed"):
        """The tutorial predicted ``predicted``; the run saw ``observed``."""
        self._store(HOLDS if predicted == observed else DOES_NOT_HOLD,
                    f"{what}={observed!r}, tutorial predicts {predicted!r}", claim)

    def partly(self, observed, claim=None):
        self._store(PARTLY, observed, claim)

    def not_assertable(self, why, claim=None):
        self._store(NOT_ASSERTABLE, why, claim)


def combine(cells):
    """Fold the outcomes of several tests of one claim and start method into one cell."""
    cells = [c for c in cells if c]
    if not cells:
        return None
    if FAILED in cells:
        return FAILED
    verdicts = [c for c in cells if c in VERDICTS]
    if not verdicts:
        return NO_VERDICT if NO_VERDICT in cells else SKIPPED
    kinds = set(verdicts)
    if len(kinds) == 1:
        return verdicts[0]
    if kinds <= {NOT_ASSERTABLE, HOLDS}:
        return HOLDS
    if kinds <= {NOT_ASSERTABLE, DOES_NOT_HOLD}:
        return DOES_NOT_HOLD
    return PARTLY
