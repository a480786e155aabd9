"""Anatomy tables (muscles, nerves, NCS sites) and normalization of the names labs type.

The data live in ``muscles.csv``, ``nerves.csv`` and ``sites.csv`` in this package; see
:mod:`edxkit.anatomy.names` for the matching rules.
"""

from edxkit.anatomy.names import (
    Muscle,
    Nerve,
    UnknownIdError,
    muscles,
    nerves,
    normalize_muscle,
    normalize_nerve,
    normalize_site,
    sites,
)

__all__ = [
    "Muscle",
    "Nerve",
    "UnknownIdError",
    "muscles",
    "nerves",
    "normalize_muscle",
    "normalize_nerve",
    "normalize_site",
    "sites",
]
