"""``python -m edxkit`` runs the ``edx`` command."""

from edxkit.cli import main

main()
