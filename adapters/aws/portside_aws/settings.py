"""AWS adapter settings, read from the environment once at cold start."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class AwsSettings:
    """`strip_stage`: drop `/{stage}` from HTTP API paths on non-$default stages (default on)."""

    strip_stage: bool = True

    @classmethod
    def from_env(cls) -> AwsSettings:
        return cls(strip_stage=os.environ.get("PORTSIDE_AWS_STRIP_STAGE", "1") != "0")
