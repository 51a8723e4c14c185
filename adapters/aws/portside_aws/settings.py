"""AWS adapter settings, read from the environment once at cold start."""

from __future__ import annotations

import os


class AwsSettings:
    """`strip_stage`: drop `/{stage}` from HTTP API paths on non-$default stages (default on)."""

    __slots__ = ("strip_stage",)

    def __init__(self, strip_stage: bool = True) -> None:
        self.strip_stage = strip_stage

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AwsSettings) and other.strip_stage == self.strip_stage

    def __hash__(self) -> int:
        return hash(self.strip_stage)

    def __repr__(self) -> str:
        return f"AwsSettings(strip_stage={self.strip_stage})"

    @classmethod
    def from_env(cls) -> AwsSettings:
        return cls(strip_stage=os.environ.get("PORTSIDE_AWS_STRIP_STAGE", "1") != "0")
