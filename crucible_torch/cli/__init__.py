"""The ``crucible-torch`` command (also ``python -m crucible_torch``): one module per command group."""

from .main import main

__all__ = ["main"]
