"""The Azure Functions adapter (Python v2 programming model) for portside.

`App(..., adapter="azure")` makes `app.entry_point` an `azure.functions.FunctionApp` generated
from the bindings; expose it at module level in the startup file and the worker indexes it.
"""
