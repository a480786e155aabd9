"""Interpretation: clinical pattern rules turn analyzed findings into impressions with evidence.

``interpret(study, result)`` returns an :class:`Interpretation` (impressions in the DESIGN.md
vocabulary, limitations, a plain statement). Each rule is a small function in
:mod:`edxkit.interpret.rules` citing its criteria (clinical.md §4); criteria thresholds live in
``interpret/data/*.csv``; localization uses :mod:`edxkit.anatomy.localize`.
"""

from edxkit.interpret.engine import RULES, interpret
from edxkit.interpret.model import Impression, Interpretation

__all__ = ["RULES", "Impression", "Interpretation", "interpret"]
