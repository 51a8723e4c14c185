"""AWS adapter settings, read from the environment once at cold start."""

from __future__ import annotations

import os

from portside.values import Value


class AwsSettings(Value):
    """`strip_stage`: drop `/{stage}` from HTTP API paths on non-$default stages (default on)."""

    __slots__ = ("strip_stage",)
    strip_stage: bool

    def __init__(self, strip_stage: bool = True) -> None:
        self._init(strip_stage=strip_stage)

    @classmethod
    def from_env(cls) -> AwsSettings:
        return cls(strip_stage=os.environ.get("PORTSIDE_AWS_STRIP_STAGE", "1") != "0")
