"""What the Functions worker does when it indexes an app, for tests: `get_functions()` once,
then each function's signature checked against its bindings with azure-functions' own binding
registry and typing inspection (the worker's rules: every non-`context` parameter is a binding
of the same name and back, annotations resolve to types or `typing` generics the binding's
converter accepts, `context` is a `func.Context`, the return type matches `$return`).

The worker itself is not on PyPI in a form that runs here, so these rules are restated from its
documented behaviour; the tests below show they reject what the worker rejects.
"""

from __future__ import annotations

import inspect
import typing
from typing import Any

import azure.functions as func
from azure.functions import meta
from azure.functions._thirdparty import typing_inspect
from azure.functions.decorators.core import BindingDirection


class IndexError_(AssertionError):
    """A function the worker would refuse to load (and with it, the whole app)."""


def index(function_app: func.FunctionApp) -> list[Any]:
    """The worker's indexing: get_functions() once, every function validated, all or nothing."""
    functions = function_app.get_functions()
    for function in functions:
        validate(function)
    return functions


def validate(function: Any) -> None:
    name = function.get_function_name()
    user = function.get_user_function()
    params = dict(inspect.signature(user).parameters)
    annotations = typing.get_type_hints(user)
    bound: dict[str, Any] = {}
    returns = None
    for binding in function.get_bindings():
        direction = BindingDirection(int(binding.direction)).name  # an enum or its int
        if binding.name == "$return":
            if direction != "OUT":
                raise IndexError_(f"{name}: $return must be an out binding")
            returns = binding
        else:
            bound[binding.name] = binding
    if "context" in params and "context" not in bound:
        params.pop("context")
        annotation = annotations.get("context")
        if annotation is not None and (not isinstance(annotation, type) or annotation.__name__ != "Context"):
            raise IndexError_(f"{name}: context must be annotated func.Context, got {annotation!r}")
    if set(params) != set(bound):
        raise IndexError_(
            f"{name}: parameters {sorted(params)} do not match bindings {sorted(bound)} (the worker "
            "refuses a parameter without a binding and a binding without a parameter)"
        )
    registry = meta.get_binding_registry()
    for param in params:
        if param not in annotations:
            continue
        annotation = annotations[param]
        if not isinstance(annotation, type) and not typing_inspect.is_generic_type(annotation):
            raise IndexError_(f"{name}: binding {param} has invalid non-type annotation {annotation!r}")
        binding_type = "generic" if annotation in (str, bytes) else bound[param].type
        converter = registry.get(binding_type)
        if converter is None or not converter.check_input_type_annotation(annotation):
            raise IndexError_(
                f"{name}: {param}'s annotation {annotation!r} does not fit a {binding_type} binding"
            )
    if returns is not None and "return" in annotations:
        annotation = annotations["return"]
        converter = registry.get(returns.type)
        if (
            not isinstance(annotation, type)
            or converter is None
            or not converter.check_output_type_annotation(annotation)
        ):
            raise IndexError_(f"{name}: return annotation {annotation!r} does not fit {returns.type}")
