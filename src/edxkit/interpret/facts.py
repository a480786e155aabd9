"""The facts rules work on: every nerve study and examined muscle, with limits and temperature applied.

Abnormal flags come from the NCS analysis (``abnormal`` lists of sites, segments and summaries).
In a limb measured below its temperature floor (clinical.md §2.9) latencies and velocities are not
interpreted: cooling prolongs latencies and slows conduction, so those flags are set aside as
*confounded* (amplitudes still count: cooling raises them, it does not lower them).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from edxkit.anatomy.names import nerves
from edxkit.interpret.evidence import segment_row, site_row, summary_row
from edxkit.interpret.needle import MuscleFacts, muscle_facts
from edxkit.model import Findings, MuscleExam, NerveStudy, Study
from edxkit.ncs.results import NerveResult, SegmentResult, SiteResult
from edxkit.temperature import temperature_problems

if TYPE_CHECKING:
    from edxkit.analyze import StudyResult

__all__ = ["LATENCY_FIELDS", "Facts", "NcsFacts", "build_facts"]

LATENCY_FIELDS = frozenset(
    {"onset_latency_ms", "peak_latency_ms", "cv_m_s", "cv_drop_m_s", "f_min_latency_ms", "h_latency_ms"}
)
Key = tuple[str, ...]
F_MIN_CMAP_FRACTION = 0.2  # F-waves cannot be judged when the CMAP is below 20% LLN (clinical.md 1.3)
H_BILATERAL_ABSENT_AGE = 60.0  # H-reflexes may be absent on both sides in normal older adults (1.4)
F_OFTEN_ABSENT = frozenset({"peroneal"})  # F often absent from EDB in normals: absence alone is weak (1.1)


@dataclass(frozen=True, slots=True)
class NcsFacts:
    """One nerve study with its analysis result.

    Parameters
    ----------
    result : NerveResult
    study : NerveStudy or None
        The study-file entry (entered ``response: absent`` of late responses lives there).
    limb : str
        ``upper``, ``lower``, ``head_neck`` or ``trunk`` (``nerves.csv``).
    cold : bool
        The limb was below its temperature floor: latency and velocity flags are set aside.
    absent_counts : bool
        For F-waves and H-reflexes: an absent response counts as abnormal (False when the CMAP is
        below 20% of its lower limit, for peroneal F-waves, which are often absent from EDB in
        normals, and for H-reflexes absent on both sides at 60 years or more).
    asymmetry : tuple of dict
        Evidence rows of the side-to-side comparisons outside their limits in which this study is the
        worse side (:mod:`edxkit.ncs.sides`; latency comparisons set aside in a cold limb).
    """

    result: NerveResult
    study: NerveStudy | None
    limb: str
    cold: bool
    absent_counts: bool = True
    asymmetry: tuple[dict[str, Any], ...] = ()

    @property
    def key(self) -> Key:
        r = self.result
        return ("ncs", r.nerve, r.kind, r.side, r.record or "")

    @property
    def nerve(self) -> str:
        return self.result.nerve

    @property
    def kind(self) -> str:
        return self.result.kind

    @property
    def side(self) -> str:
        return self.result.side

    @property
    def record(self) -> str | None:
        return self.result.record

    @property
    def distal(self) -> SiteResult | None:
        return self.result.sites[0] if self.result.sites else None

    def site(self, name: str) -> SiteResult | None:
        return next((s for s in self.result.sites if s.site == name), None)

    def segment(self, name: str) -> SegmentResult | None:
        """The segment ``"<from>-<to>"`` or None."""
        return next((s for s in self.result.segments if s.name == name), None)

    def _keep(self, names: list[str]) -> list[str]:
        return [n for n in names if not (self.cold and n in LATENCY_FIELDS)]

    def site_abnormal(self, site: SiteResult) -> list[str]:
        return self._keep(site.abnormal)

    def segment_abnormal(self, seg: SegmentResult) -> list[str]:
        return self._keep(seg.abnormal)

    @property
    def summary_abnormal(self) -> list[str]:
        return self._keep(self.result.abnormal)

    @property
    def confounded(self) -> bool:
        """Abnormal latency or velocity flags set aside because the limb was cold."""
        if not self.cold:
            return False
        names = [n for s in self.result.sites for n in s.abnormal] + [
            n for s in self.result.segments for n in s.abnormal
        ]
        return any(n in LATENCY_FIELDS for n in names + self.result.abnormal)

    @property
    def absent(self) -> bool:
        """No response: the distal site (motor, sensory) or the late response (entered ``absent``)."""
        if self.kind in ("motor", "sensory"):
            return self.distal is not None and self.distal.response == "absent"
        if self.study is not None and any(s.response == "absent" for s in self.study.sites):
            return True
        return self.result.summary.get("persistence_pct") == 0

    @property
    def amplitude(self) -> float | None:
        d = self.distal
        return None if d is None else (0.0 if d.response == "absent" else d.amplitude)

    @property
    def amp_lln(self) -> float | None:
        d = self.distal
        limit = d.limits.get("amplitude") if d is not None else None
        return limit.value if limit is not None and limit.bound == "min" else None

    @property
    def amp_fraction(self) -> float | None:
        """Distal amplitude as a fraction of its lower limit (0 when absent)."""
        amp, lln = self.amplitude, self.amp_lln
        return None if amp is None or not lln else amp / lln

    @property
    def low_amplitude(self) -> bool:
        """Distal amplitude below its lower limit, or no response where one is expected."""
        d = self.distal
        return d is not None and ("amplitude" in d.abnormal or "response" in d.abnormal)

    @property
    def latency_field(self) -> str:
        return "onset_latency_ms" if self.kind == "motor" else "peak_latency_ms"

    @property
    def latency(self) -> float | None:
        d = self.distal
        return None if d is None else getattr(d, self.latency_field)

    @property
    def latency_uln(self) -> float | None:
        d = self.distal
        limit = d.limits.get(self.latency_field) if d is not None else None
        return limit.value if limit is not None else None

    @property
    def latency_abnormal(self) -> bool:
        d = self.distal
        return d is not None and self.latency_field in self.site_abnormal(d)

    @property
    def abnormal(self) -> bool:
        """Any flag outside limits (after setting aside cold-limb latencies), or an absent response."""
        sites = any(self.site_abnormal(s) for s in self.result.sites)
        segments = any(self.segment_abnormal(s) for s in self.result.segments)
        late_absent = self.kind in ("f_wave", "h_reflex") and self.absent and self.absent_counts
        return sites or segments or bool(self.summary_abnormal) or late_absent or bool(self.asymmetry)

    @property
    def unjudged(self) -> bool:
        """A motor or sensory study with a response but no normal limit at its distal site (none in the
        table for its nerve, recording site or direction): its values were not compared, so it is neither
        normal nor abnormal."""
        sites = self.result.sites
        if self.kind not in ("motor", "sensory") or not sites or self.abnormal:
            return False
        return sites[0].response == "present" and not sites[0].limits

    def evidence(self) -> list[dict[str, Any]]:
        """Rows of every abnormal flag kept (site, segment and summary)."""
        r = self.result
        rows = [site_row(r, s, n) for s in r.sites for n in self.site_abnormal(s)]
        rows += [segment_row(r, s, n) for s in r.segments for n in self.segment_abnormal(s)]
        rows += [summary_row(r, n) for n in self.summary_abnormal]
        if self.kind in ("f_wave", "h_reflex") and self.absent and self.absent_counts:
            rows.append(summary_row(r, "response", "absent"))
        return rows + list(self.asymmetry)


@dataclass(slots=True)
class Facts:
    """Everything known about a study, for the rules."""

    study: Study
    result: StudyResult
    ncs: list[NcsFacts] = field(default_factory=list)
    muscles: list[MuscleFacts] = field(default_factory=list)
    cold_limbs: dict[str, str] = field(default_factory=dict)
    temperature_notes: list[str] = field(default_factory=list)

    def nerves(
        self, nerve: str | None = None, kind: str | None = None, side: str | None = None
    ) -> list[NcsFacts]:
        """Nerve studies matching the given nerve, kind and side."""
        return [
            n
            for n in self.ncs
            if (nerve is None or n.nerve == nerve)
            and (kind is None or n.kind == kind)
            and (side is None or n.side == side)
        ]

    def find(self, nerve: str, kind: str, side: str, record: str | None = None) -> NcsFacts | None:
        """The first matching nerve study (any recording site when ``record`` is None)."""
        found = [n for n in self.nerves(nerve, kind, side) if record is None or n.record == record]
        return found[0] if found else None

    def muscle(self, name: str, side: str) -> MuscleFacts | None:
        return next((m for m in self.muscles if m.muscle == name and m.side == side), None)

    @property
    def sides(self) -> list[str]:
        return sorted({n.side for n in self.ncs} | {m.side for m in self.muscles})


def _pair(study: Study, result: StudyResult) -> list[tuple[NerveResult, NerveStudy | None]]:
    """Each nerve result with its study entry (same order when lengths match, else by key)."""
    if len(study.ncs) == len(result.ncs):
        return list(zip(result.ncs, study.ncs, strict=True))

    def key(x: NerveResult | NerveStudy) -> tuple[str, str, str, str | None]:
        return (x.nerve, x.kind, x.side, x.record)

    by_key = {key(n): n for n in study.ncs}
    return [(r, by_key.get(key(r))) for r in result.ncs]


def build_facts(study: Study, result: StudyResult) -> Facts:
    """Facts of a study and its NCS analysis result.

    Parameters
    ----------
    study : Study
    result : StudyResult

    Returns
    -------
    Facts
    """
    facts = Facts(study, result)
    for problem in temperature_problems(study):
        facts.temperature_notes.append(problem.describe())
        if problem.value_c is not None:
            facts.cold_limbs[problem.limb] = problem.describe()
    for nerve_result, entry in _pair(study, result):
        limb = nerves()[nerve_result.nerve].limb
        facts.ncs.append(NcsFacts(nerve_result, entry, limb, limb in facts.cold_limbs))
    facts.ncs = [_with_asymmetry(_late_absence(facts, n), result) for n in facts.ncs]
    facts.muscles = [muscle_facts(exam) for exam in _needle_exams(study, result)]
    return facts


def _needle_exams(study: Study, result: StudyResult) -> list[MuscleExam]:
    """Needle exams with automatic findings (``result.emg[i].findings``, when the analysis provides
    them) under the entered ones: an entered grade overrides the automatic one key by key."""
    auto = {
        (getattr(e, "muscle", None), getattr(e, "side", None)): e for e in getattr(result, "emg", None) or []
    }
    out = []
    for exam in study.emg:
        found = getattr(auto.get((exam.muscle, exam.side)), "findings", None)
        if isinstance(found, Findings):
            entered = exam.findings.model_dump(exclude_none=True, exclude_defaults=True)
            exam = exam.model_copy(update={"findings": found.model_copy(update=entered)})
        out.append(exam)
    return out


def _with_asymmetry(n: NcsFacts, result: StudyResult) -> NcsFacts:
    """``n`` with the rows of the abnormal side-to-side comparisons it is the worse side of."""
    rows = tuple(
        c.evidence_row()
        for c in getattr(result, "comparisons", [])
        if c.abnormal
        and (c.nerve, c.kind, c.record, c.worse_side) == (n.nerve, n.kind, n.record, n.side)
        and not (n.cold and c.measure in LATENCY_FIELDS)
    )
    return replace(n, asymmetry=rows) if rows else n


def _late_absence(facts: Facts, late: NcsFacts) -> NcsFacts:
    """Whether an absent F-wave or H-reflex counts (clinical.md 1.3, 1.4)."""
    if late.kind not in ("f_wave", "h_reflex") or not late.absent:
        return late
    motor = facts.find(late.nerve, "motor", late.side)
    fraction = motor.amp_fraction if motor is not None else None
    counts = fraction is None or fraction >= F_MIN_CMAP_FRACTION
    if late.kind == "f_wave" and late.nerve in F_OFTEN_ABSENT:
        counts = False
    if late.kind == "h_reflex" and facts.study.patient.age >= H_BILATERAL_ABSENT_AGE:
        other = [h for h in facts.nerves("tibial", "h_reflex") if h.side != late.side]
        counts = counts and not (other and all(h.absent for h in other))
    return replace(late, absent_counts=counts)
