"""The model's prior is that of random pairs: the blocking's own evidence is taken out."""

from __future__ import annotations

import math

import numpy as np

from gateway.linkage.comparisons import Comparison
from gateway.linkage.prior import random_prior
from gateway.linkage.settings import BlockingRule

POSTCODE = Comparison.of("postcode", "postcode", "code", ["exact"])
RULE = BlockingRule(source="crm", by=["postcode"])


def test_a_rule_share_of_matches_becomes_the_share_among_random_pairs() -> None:
    randoms = [
        ({"postcode": "62701"}, {"postcode": "62701" if i < 10 else "62702"}) for i in range(1000)
    ]
    m = [np.array([0.9, 0.1])]
    prior = random_prior([(RULE, 0.5, 100.0)], [POSTCODE], m, randoms)
    # odds 1 among pairs sharing a postcode; 1 % of random pairs share one, 90 % of matches
    assert math.isclose(prior / (1 - prior), 0.01 / 0.9, rel_tol=1e-6)


def test_rules_are_averaged_by_the_matches_they_found() -> None:
    randoms = [({"postcode": "62701"}, {"postcode": "62701"})] * 10  # every pair agrees
    m = [np.array([1.0 - 1e-12, 1e-12])]
    few, many = (RULE, 0.5, 1.0), (RULE, 0.1, 99.0)
    prior = random_prior([few, many], [POSTCODE], m, randoms)
    assert 0.1 < prior < 0.12
