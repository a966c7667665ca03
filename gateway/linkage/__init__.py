"""Probabilistic record linkage: comparisons with levels, the Fellegi-Sunter model, its
parameters (defaults, trained by EM, kept in a model file) and the waterfall that explains
every score."""

from __future__ import annotations

from gateway.linkage.comparisons import KINDS, Comparison, ComparisonKind, Prepared
from gateway.linkage.defaults import default_model
from gateway.linkage.model import (
    ComparisonModel,
    LevelParameters,
    MatchModel,
    Part,
    Waterfall,
    probability_of,
    weight_of,
)
from gateway.linkage.modelfile import dump_model, parse_model

__all__ = [
    "KINDS",
    "Comparison",
    "ComparisonKind",
    "ComparisonModel",
    "LevelParameters",
    "MatchModel",
    "Part",
    "Prepared",
    "Waterfall",
    "default_model",
    "dump_model",
    "parse_model",
    "probability_of",
    "weight_of",
]
