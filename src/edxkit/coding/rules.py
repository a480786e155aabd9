"""Load the versioned CPT rules (``cpt_rules.yaml``), the AANEM maximum-studies table and Appendix J.

The data live next to this module; nothing here reproduces AMA descriptor text. A lab or a newer
code year can supply its own rules file in the same format (:func:`load_rules`).
"""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "CptRules",
    "MaxStudies",
    "NcsCode",
    "appendix_j",
    "default_rules",
    "load_rules",
    "max_studies",
]

_PACKAGE = "edxkit.coding"


@dataclass(frozen=True, slots=True)
class NcsCode:
    """An NCS code and the range of study counts it covers (``max_studies`` None = no upper bound)."""

    code: str
    min_studies: int
    max_studies: int | None
    status: str

    def covers(self, n_studies: int) -> bool:
        return n_studies >= self.min_studies and (self.max_studies is None or n_studies <= self.max_studies)


@dataclass(frozen=True, slots=True)
class CptRules:
    """Everything ``derive_billing`` needs, with the table version it came from.

    Parameters
    ----------
    version : str
        Version of the rules table (``"2026.1"``).
    ncs_codes : tuple of NcsCode
    needle : dict
        The ``needle`` section of the rules file (thresholds and code names).
    rns_code : str
    rns_max_units : int
    indication_patterns : dict of str to list of str
        Regular expressions per indication family of the AANEM table.
    """

    version: str
    code_set: str
    ncs_codes: tuple[NcsCode, ...]
    needle: dict[str, Any]
    rns_code: str
    rns_max_units: int
    indication_patterns: dict[str, list[str]]


@dataclass(frozen=True, slots=True)
class MaxStudies:
    """One row of the AANEM maximum-studies table (0 = not applicable)."""

    indication: str
    needle_emg_limbs: int
    motor_ncs: int
    sensory_ncs: int
    other_h_or_nmj: int
    status: str


def _parse_rules(doc: dict[str, Any]) -> CptRules:
    codes = tuple(
        NcsCode(str(c["code"]), int(c["min_studies"]), c.get("max_studies"), str(c.get("status", "")))
        for c in doc["ncs"]["codes"]
    )
    return CptRules(
        version=str(doc["version"]),
        code_set=str(doc.get("code_set", "")),
        ncs_codes=codes,
        needle=dict(doc["needle"]),
        rns_code=str(doc["rns"]["code"]),
        rns_max_units=int(doc["rns"]["max_units"]),
        indication_patterns={k: list(v) for k, v in doc.get("indication_patterns", {}).items()},
    )


def load_rules(path: str | Path) -> CptRules:
    """Rules from a YAML file in the format of the packaged ``cpt_rules.yaml``."""
    return _parse_rules(yaml.safe_load(Path(path).read_text(encoding="utf-8")))


@functools.cache
def default_rules() -> CptRules:
    """The packaged rules (``edxkit/coding/cpt_rules.yaml``)."""
    text = files(_PACKAGE).joinpath("cpt_rules.yaml").read_text(encoding="utf-8")
    return _parse_rules(yaml.safe_load(text))


def _csv_rows(name: str) -> list[dict[str, str]]:
    text = files(_PACKAGE).joinpath(name).read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(io.StringIO(body))]


@functools.cache
def max_studies() -> dict[str, MaxStudies]:
    """The AANEM maximum-studies table by indication id."""
    out = {}
    for row in _csv_rows("aanem_max_studies.csv"):
        out[row["indication"]] = MaxStudies(
            indication=row["indication"],
            needle_emg_limbs=int(row["needle_emg_limbs"]),
            motor_ncs=int(row["motor_ncs_with_or_without_f"]),
            sensory_ncs=int(row["sensory_ncs"]),
            other_h_or_nmj=int(row["other_h_or_nmj"]),
            status=row["status"],
        )
    return out


@functools.cache
def appendix_j() -> dict[tuple[str, str, str], str]:
    """Distinct-branch lookup: ``(nerve, kind, record)`` → branch id counted as its own nerve."""
    return {(r["nerve"], r["kind"], r["record"]): r["branch"] for r in _csv_rows("appendix_j.csv")}
