"""pazos-budget: budget targeting and cross-department spending optimizer for PAZOS.

The flow is one-way: scenario file -> loader -> Scenario -> model -> solve -> Result ->
reports. Everything the command line does is callable from here.
"""

# The one place the version is written (pyproject.toml reads it from here); a literal, so
# that start-up does not import importlib.metadata (about 35 ms of every command).
__version__ = "0.1.0"

__all__ = ["__version__"]
