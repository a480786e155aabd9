"""Impressions and the interpretation of a study, in the vocabulary of DESIGN.md ("Impression vocabulary").

An :class:`Impression` is one conclusion: a ``code`` from the fixed list plus the attributes that code
takes (``nerve``/``site``, ``root``, ``element``, ``fibers``/``pathology``, ``irritable``), optional
``side``, ``severity`` and ``chronicity``, the ``evidence`` rows that support it and the ``rule`` that
fired. ``criteria`` names the published criteria or grading scheme applied and ``text`` says it in
one sentence for the report. Values outside the vocabulary raise ``ValueError``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from edxkit.anatomy.localize import BRACHIAL_ELEMENTS, LOWER_ROOTS, LUMBOSACRAL_ELEMENTS, UPPER_ROOTS

__all__ = [
    "CHRONICITIES",
    "CODES",
    "ELEMENTS",
    "FIBERS",
    "PATHOLOGIES",
    "ROOTS",
    "SEVERITIES",
    "Impression",
    "Interpretation",
]

CODES = frozenset(
    {
        "normal",
        "median_neuropathy_wrist",
        "ulnar_neuropathy_elbow",
        "ulnar_neuropathy_wrist",
        "peroneal_neuropathy_fibular_head",
        "radial_neuropathy_spiral_groove",
        "mononeuropathy",
        "cervical_radiculopathy",
        "lumbosacral_radiculopathy",
        "brachial_plexopathy",
        "lumbosacral_plexopathy",
        "polyneuropathy",
        "motor_neuron_disease",
        "myopathy",
        "nmj_postsynaptic",
        "nmj_presynaptic",
    }
)
ROOTS = {"cervical_radiculopathy": UPPER_ROOTS, "lumbosacral_radiculopathy": LOWER_ROOTS}
ELEMENTS = {"brachial_plexopathy": BRACHIAL_ELEMENTS, "lumbosacral_plexopathy": LUMBOSACRAL_ELEMENTS}
FIBERS = ("sensory", "motor", "sensorimotor")
PATHOLOGIES = ("axonal", "demyelinating", "mixed")
SEVERITIES = ("mild", "moderate", "severe")
CHRONICITIES = ("acute", "chronic", "chronic_active")
_SIDES = ("left", "right")


@dataclass(slots=True)
class Impression:
    """One conclusion of the interpretation.

    Parameters
    ----------
    code : str
        One of :data:`CODES`.
    side : {"left", "right"}, optional
    nerve, site : str, optional
        For ``mononeuropathy``: nerve path and lesion site ids of ``anatomy/nerve_segments.csv``.
    root : str, optional
        For radiculopathies: ``C5`` … ``T1`` or ``L2`` … ``S1``.
    element : str, optional
        For plexopathies: element id (``upper_trunk``, ``lateral_cord``, ``lumbosacral_trunk`` …).
    fibers, pathology : str, optional
        For ``polyneuropathy``: sensory | motor | sensorimotor; axonal | demyelinating | mixed.
    irritable : bool, optional
        For ``myopathy``: fibrillations / positive sharp waves present.
    severity : {"mild", "moderate", "severe"}, optional
    chronicity : {"acute", "chronic", "chronic_active"}, optional
    evidence : list of dict
        Row references (``{"table": "ncs", "nerve": ..., "field": ..., "value": ..., "limit": ...}`` or
        ``{"table": "emg", "muscle": ..., "field": ..., "value": ...}``).
    rule : str
        Id of the rule that fired.
    criteria : str
        Published criteria set or grading scheme applied (named for the report).
    text : str
        One-sentence statement for the report.
    """

    code: str
    side: str | None = None
    nerve: str | None = None
    site: str | None = None
    root: str | None = None
    element: str | None = None
    fibers: str | None = None
    pathology: str | None = None
    irritable: bool | None = None
    severity: str | None = None
    chronicity: str | None = None
    evidence: list[dict[str, Any]] = field(default_factory=list)
    rule: str = ""
    criteria: str = ""
    text: str = ""

    def __post_init__(self) -> None:
        self._check()

    def _check(self) -> None:
        checks: list[tuple[str, object, tuple[str, ...] | frozenset[str]]] = [
            ("code", self.code, CODES),
            ("side", self.side, _SIDES),
            ("fibers", self.fibers, FIBERS),
            ("pathology", self.pathology, PATHOLOGIES),
            ("severity", self.severity, SEVERITIES),
            ("chronicity", self.chronicity, CHRONICITIES),
        ]
        if self.code in ROOTS:
            checks.append(("root", self.root, ROOTS[self.code]))
        if self.code in ELEMENTS:
            checks.append(("element", self.element, ELEMENTS[self.code]))
        for name, value, allowed in checks:
            if value is not None and value not in allowed:
                raise ValueError(f"impression {name} {value!r} is not one of {sorted(allowed)}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; attributes that are not set are left out."""
        out: dict[str, Any] = {"code": self.code}
        for name in ("side", "nerve", "site", "root", "element", "fibers", "pathology", "irritable"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        for name in ("severity", "chronicity"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        out["evidence"] = [dict(row) for row in self.evidence]
        out["rule"] = self.rule
        if self.criteria:
            out["criteria"] = self.criteria
        if self.text:
            out["text"] = self.text
        return out


@dataclass(slots=True)
class Interpretation:
    """The machine interpretation of one study.

    Parameters
    ----------
    impressions : list of Impression
        Empty for a study whose abnormal findings fit no pattern (see ``statement``).
    limitations : list of str
        What limits the conclusions (temperature, studies missing for a conclusion, ...).
    statement : str
        Plain summary: normal, the impressions, or that abnormal findings fit no pattern.
    unexplained : list of dict
        Evidence rows of abnormal findings no impression accounts for.
    """

    impressions: list[Impression] = field(default_factory=list)
    limitations: list[str] = field(default_factory=list)
    statement: str = ""
    unexplained: list[dict[str, Any]] = field(default_factory=list)

    @property
    def codes(self) -> list[str]:
        return [imp.code for imp in self.impressions]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "impressions": [imp.to_dict() for imp in self.impressions],
            "limitations": list(self.limitations),
            "statement": self.statement,
            "unexplained": [dict(row) for row in self.unexplained],
        }
