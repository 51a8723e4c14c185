"""The examples in the public API's docstrings run, and say what they show."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

import portside.app
import portside.handlers
import portside.result


@pytest.mark.parametrize("module", [portside.app, portside.result, portside.handlers], ids=lambda m: m.__name__)
def test_docstring_examples(module: ModuleType) -> None:
    outcome = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert outcome.attempted > 0
    assert outcome.failed == 0
