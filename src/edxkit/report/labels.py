"""Words a report uses for ids, fields and billing codes (display only; ids stay canonical in the data)."""

from __future__ import annotations

from functools import cache
from typing import Any

from edxkit.anatomy.names import muscles
from edxkit.coding.rules import CptRules, default_rules

# Short names EMG labs print after a muscle (only where the abbreviation is in common use).
_MUSCLE_ABBREVIATIONS = {
    "abductor_pollicis_brevis": "APB",
    "abductor_digiti_minimi_hand": "ADM",
    "first_dorsal_interosseous": "FDI",
    "extensor_digitorum_brevis": "EDB",
    "abductor_hallucis": "AH",
    "tibialis_anterior": "TA",
    "extensor_indicis": "EIP",
    "flexor_carpi_ulnaris": "FCU",
    "flexor_carpi_radialis": "FCR",
    "extensor_digitorum_communis": "EDC",
    "flexor_digitorum_profundus": "FDP",
    "vastus_lateralis": "VL",
    "vastus_medialis": "VM",
    "gastrocnemius_medial": "MG",
}

FIELD_LABELS = {
    "distance_mm": "Distance",
    "segment_mm": "Distance",
    "onset_latency_ms": "Onset latency",
    "peak_latency_ms": "Peak latency",
    "amplitude_mv": "Amplitude",
    "amplitude_uv": "Amplitude",
    "duration_ms": "Duration",
    "area_mv_ms": "Area",
    "cv_m_s": "Conduction velocity",
    "amplitude_drop_pct": "Amplitude drop",
    "area_drop_pct": "Area drop",
    "duration_increase_pct": "Duration increase",
    "conduction_block": "Conduction block",
    "temporal_dispersion": "Temporal dispersion",
    "m_latency_ms": "M latency",
    "m_amplitude_mv": "M amplitude",
    "f_min_latency_ms": "F min latency",
    "f_mean_latency_ms": "F mean latency",
    "f_max_latency_ms": "F max latency",
    "persistence_pct": "Persistence",
    "chronodispersion_ms": "Chronodispersion",
    "h_latency_ms": "H latency",
    "h_max": "H max",
    "m_max": "M max",
    "h_m_ratio": "H/M ratio",
    "onset_latency_side_difference_ms": "Onset latency difference from the other side",
    "amplitude_side_difference_mv": "Amplitude difference from the other side",
    "amplitude_side_drop_pct": "Amplitude drop from the other side",
    "f_min_latency_side_difference_ms": "F min latency difference from the other side",
    "h_latency_side_difference_ms": "H latency difference from the other side",
    "h_max_side_ratio": "H max ratio to the other side",
    "h_threshold_ma": "H threshold",
    "m_threshold_ma": "M threshold",
    "intensity_at_hmax_ma": "Intensity at H max",
    "rate_hz": "Rate",
    "decrement_pct": "Decrement",
    "max_decrement_pct": "Largest decrement",
    "increment_pct": "Post-exercise increment",
    "insertional": "Insertional activity",
    "fibrillations": "Fibrillations",
    "positive_sharp_waves": "Positive sharp waves",
    "fasciculations": "Fasciculations",
    "other_discharges": "Other discharges",
    "muap_amplitude": "MUAP amplitude",
    "muap_duration": "MUAP duration",
    "polyphasia": "Polyphasia",
    "recruitment": "Recruitment",
    "interference": "Interference",
    "count": "MUAPs analysed",
    "mean_duration_ms": "Mean MUAP duration",
    "mean_amplitude_uv": "Mean MUAP amplitude",
    "polyphasic_fraction": "Polyphasic MUAPs",
    "classification": "Quantitative MUAP class",
}


def words(identifier: str) -> str:
    """``abductor_pollicis_brevis`` → ``abductor pollicis brevis``; ``digit_2`` → ``digit 2``."""
    return identifier.replace("_", " ")


def capital(text: str) -> str:
    """First letter upper case, the rest as written."""
    return text[:1].upper() + text[1:]


def lower_first(text: str) -> str:
    """``Right ulnar motor`` → ``right ulnar motor`` (for lists inside a sentence)."""
    return text[:1].lower() + text[1:]


def in_sentence(label: str) -> str:
    """A heading inside a sentence: ``Onset latency`` → ``onset latency``; acronyms (``MUAP``) and the names
    of the M, F and H waves (``H latency``) stay."""
    words_ = label.split(" ")
    return " ".join(w if _kept_upper(w) else w.lower() for w in words_)


def _kept_upper(word: str) -> bool:
    return word in _WAVE_NAMES or (len(word) > 1 and word.removesuffix("s").isupper())


_WAVE_NAMES = frozenset({"M", "F", "H"})


def muscle_label(muscle: str, *, capitalized: bool = True) -> str:
    """Muscle name as printed: ``Abductor pollicis brevis (APB)`` (lower case first inside a sentence)."""
    name = capital(words(muscle)) if capitalized else words(muscle)
    short = _MUSCLE_ABBREVIATIONS.get(muscle)
    return f"{name} ({short})" if short else name


def record_label(record: str | None) -> str:
    """Recording site of a nerve study: the muscle's short name, or the site in words."""
    if not record:
        return ""
    if record in _MUSCLE_ABBREVIATIONS:
        return _MUSCLE_ABBREVIATIONS[record]
    return words(record)


def is_muscle(record: str | None) -> bool:
    return bool(record) and record in muscles()


def field_label(field: str) -> str:
    """Heading of a measured field (``onset_latency_ms`` → ``Onset latency``)."""
    return FIELD_LABELS.get(field, capital(words(field)))


def nerve_name(nerve: str, side: str, record: str | None) -> str:
    """``Right median (APB)``: side, nerve and recording site, without the kind of study."""
    where = record_label(record)
    name = f"{capital(side)} {words(nerve)}"
    return f"{name} ({where})" if where else name


def nerve_title(nerve: str, kind: str, side: str, record: str | None) -> str:
    """``Right median motor (APB)``, ``Left sural sensory (ankle)``, ``Right tibial F wave (AH)``."""
    kinds = {"f_wave": "F wave", "h_reflex": "H reflex", "rns": "repetitive stimulation"}
    where = record_label(record)
    title = f"{capital(side)} {words(nerve)} {kinds.get(kind, kind)}"
    return f"{title} ({where})" if where else title


def format_number(value: Any, decimals: int = 1) -> str:
    """A measured number as a lab prints it (fixed decimals); text values unchanged; None → ``—``."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return f"{value:.{decimals}f}"
    return str(value)


@cache
def billing_descriptions() -> dict[str, str]:
    """What each CPT code of the rules table counts, in edxkit's own words (no AMA descriptor text)."""
    rules: CptRules = default_rules()
    out: dict[str, str] = {}
    for ncs in rules.ncs_codes:
        upper = f"–{ncs.max_studies}" if ncs.max_studies and ncs.max_studies != ncs.min_studies else "+"
        if ncs.max_studies == ncs.min_studies:
            upper = ""
        out[ncs.code] = f"Nerve conduction studies, {ncs.min_studies}{upper} studies"
    for group, suffix in (("with_ncs", " (with NCS)"), ("without_ncs", " (without NCS)")):
        for key, code in rules.needle.get(group, {}).items():
            if isinstance(code, str):
                out.setdefault(code, f"Needle EMG, {words(key)}{suffix}")
            elif isinstance(code, dict):
                for n_limbs, limb_code in code.items():
                    out.setdefault(
                        str(limb_code),
                        f"Needle EMG, complete, {n_limbs} extremit{'y' if int(n_limbs) == 1 else 'ies'}",
                    )
    out[rules.rns_code] = "Repetitive nerve stimulation, per nerve"
    return out
