"""``python -m crucible_torch ...`` runs the ``crucible-torch`` command."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
