"""pazos-budget: budget targeting and cross-department spending optimizer for PAZOS.

The flow is one-way: scenario file -> loader -> Scenario -> model -> solve -> Result ->
reports. Everything the command line does is callable from here.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("pazos-budget")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
