"""The marketing platform's campaign responses: who was sent which campaign, and what they did.

The platform is the live side of the loyalty programme: its GraphQL API (``demo.services``)
knows members by their loyalty number, as the nightly export does.
"""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path
from typing import Any

from demo.population import NOW
from demo.systems import Truth, write_json

__all__ = ["CAMPAIGNS", "write_campaigns"]

CAMPAIGNS = (
    ("SPRING-SERVICE", "Spring service check"),
    ("SUMMER-TYRES", "Summer tyres at member prices"),
    ("DOUBLE-POINTS", "Double points weekend"),
    ("GOLD-UPGRADE", "Your way to gold"),
    ("WINTER-READY", "Winter-ready inspection"),
)
CHANNELS = ("email", "email", "sms", "post")
OUTCOMES = ("opened", "clicked", "converted", "unsubscribed", None, None)


def write_campaigns(path: Path, rng: random.Random, truth: Truth) -> None:
    """Zero to three campaign responses per loyalty member, keyed ``CR-<n>``."""
    members = [key for records in truth.values() for key in records.get("loyalty", [])]
    responses: list[dict[str, Any]] = []
    for member in members:
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
            code, _name = rng.choice(CAMPAIGNS)
            sent = NOW - timedelta(days=rng.randint(1, 700), minutes=rng.randint(0, 1439))
            outcome = rng.choice(OUTCOMES)
            answered = sent + timedelta(hours=rng.randint(1, 96)) if outcome else None
            responses.append(
                {
                    "responseId": f"CR-{len(responses) + 1:07d}",
                    "memberNo": member,
                    "campaign": code,
                    "channel": rng.choice(CHANNELS),
                    "sentAt": sent.isoformat(timespec="seconds"),
                    "outcome": outcome,
                    "respondedAt": answered.isoformat(timespec="seconds") if answered else None,
                }
            )
    campaigns = [{"code": code, "name": name} for code, name in CAMPAIGNS]
    write_json(path, {"campaigns": campaigns, "responses": responses})
