"""Builders for the case library: nerve studies, needle findings and study documents with entered values.

Normal values are those of ``edxkit/norms/ncs_limits.csv`` (Preston & Shapiro style) at its standard
distances; each builder takes the values a case changes.
"""

from __future__ import annotations

from typing import Any

Doc = dict[str, Any]

# --- nerve studies ------------------------------------------------------------------------------------


def _sites(*rows: Doc) -> list[Doc]:
    return [{k: v for k, v in row.items() if v is not None} for row in rows]


def _site(site: str, absent: bool = False, **values: Any) -> Doc:
    """One site row; an absent response keeps only the distances."""
    if absent:
        return {"site": site, "response": "absent"} | {k: v for k, v in values.items() if k.endswith("_mm")}
    return {"site": site, **values}


def median_motor(
    side: str,
    dml: float = 3.6,
    amp: float = 9.0,
    elbow_lat: float | None = None,
    elbow_amp: float | None = None,
    absent: bool = False,
) -> Doc:
    elbow_lat = elbow_lat if elbow_lat is not None else dml + 4.2
    elbow_amp = elbow_amp if elbow_amp is not None else round(amp * 0.95, 1)
    wrist = _site("wrist", absent, distance_mm=80, onset_latency_ms=dml, amplitude_mv=amp)
    sites = (
        [wrist]
        if absent
        else [
            wrist,
            _site("elbow", segment_mm=230, onset_latency_ms=round(elbow_lat, 2), amplitude_mv=elbow_amp),
        ]
    )
    return {"nerve": "median", "kind": "motor", "side": side, "record": "APB", "sites": sites}


def ulnar_motor(
    side: str,
    dml: float = 2.8,
    amp: float = 10.0,
    be_lat: float | None = None,
    be_amp: float | None = None,
    ae_lat: float | None = None,
    ae_amp: float | None = None,
    record: str = "ADM",
) -> Doc:
    be_lat = be_lat if be_lat is not None else dml + 3.8
    ae_lat = ae_lat if ae_lat is not None else be_lat + 1.8
    be_amp = be_amp if be_amp is not None else round(amp * 0.97, 1)
    ae_amp = ae_amp if ae_amp is not None else round(be_amp * 0.97, 1)
    return {
        "nerve": "ulnar",
        "kind": "motor",
        "side": side,
        "record": record,
        "sites": [
            _site("wrist", distance_mm=80, onset_latency_ms=dml, amplitude_mv=amp),
            _site("below_elbow", segment_mm=220, onset_latency_ms=round(be_lat, 2), amplitude_mv=be_amp),
            _site("above_elbow", segment_mm=100, onset_latency_ms=round(ae_lat, 2), amplitude_mv=ae_amp),
        ],
    }


def radial_motor(
    side: str,
    dml: float = 2.3,
    amp: float = 4.0,
    groove_amp: float | None = None,
    groove_lat: float | None = None,
) -> Doc:
    groove_amp = groove_amp if groove_amp is not None else round(amp * 0.95, 1)
    groove_lat = groove_lat if groove_lat is not None else dml + 3.7
    return {
        "nerve": "radial",
        "kind": "motor",
        "side": side,
        "record": "EIP",
        "sites": [
            _site("forearm", distance_mm=60, onset_latency_ms=dml, amplitude_mv=amp),
            _site(
                "elbow",
                segment_mm=120,
                onset_latency_ms=round(dml + 2.0, 2),
                amplitude_mv=round(amp * 0.97, 1),
            ),
            _site(
                "spiral_groove",
                segment_mm=100,
                onset_latency_ms=round(groove_lat, 2),
                amplitude_mv=groove_amp,
            ),
        ],
    }


def peroneal_motor(
    side: str,
    dml: float = 4.5,
    amp: float = 5.5,
    bfh_lat: float | None = None,
    bfh_amp: float | None = None,
    afh_lat: float | None = None,
    afh_amp: float | None = None,
    absent: bool = False,
) -> Doc:
    if absent:
        return {
            "nerve": "peroneal",
            "kind": "motor",
            "side": side,
            "record": "EDB",
            "sites": [_site("ankle", True, distance_mm=90)],
        }
    bfh_lat = bfh_lat if bfh_lat is not None else dml + 6.4
    afh_lat = afh_lat if afh_lat is not None else bfh_lat + 1.9
    bfh_amp = bfh_amp if bfh_amp is not None else round(amp * 0.95, 1)
    afh_amp = afh_amp if afh_amp is not None else round(bfh_amp * 0.97, 1)
    return {
        "nerve": "peroneal",
        "kind": "motor",
        "side": side,
        "record": "EDB",
        "sites": [
            _site("ankle", distance_mm=90, onset_latency_ms=dml, amplitude_mv=amp),
            _site(
                "below_fibular_head", segment_mm=300, onset_latency_ms=round(bfh_lat, 2), amplitude_mv=bfh_amp
            ),
            _site(
                "above_fibular_head", segment_mm=100, onset_latency_ms=round(afh_lat, 2), amplitude_mv=afh_amp
            ),
        ],
    }


def tibial_motor(
    side: str,
    dml: float = 4.2,
    amp: float = 12.0,
    pop_lat: float | None = None,
    pop_amp: float | None = None,
    absent: bool = False,
) -> Doc:
    if absent:
        return {
            "nerve": "tibial",
            "kind": "motor",
            "side": side,
            "record": "AH",
            "sites": [_site("ankle", True, distance_mm=90)],
        }
    pop_lat = pop_lat if pop_lat is not None else dml + 8.3
    pop_amp = pop_amp if pop_amp is not None else round(amp * 0.8, 1)
    return {
        "nerve": "tibial",
        "kind": "motor",
        "side": side,
        "record": "AH",
        "sites": [
            _site("ankle", distance_mm=90, onset_latency_ms=dml, amplitude_mv=amp),
            _site(
                "popliteal_fossa", segment_mm=400, onset_latency_ms=round(pop_lat, 2), amplitude_mv=pop_amp
            ),
        ],
    }


def sensory(
    nerve: str,
    side: str,
    record: str,
    site: str,
    distance: int,
    peak: float | None,
    amp: float | None,
    onset: float | None = None,
    absent: bool = False,
) -> Doc:
    if absent:
        row = {"site": site, "distance_mm": distance, "response": "absent"}
    else:
        onset = onset if onset is not None else round(peak * 0.8, 2) if peak is not None else None
        row = _sites(
            {
                "site": site,
                "distance_mm": distance,
                "onset_latency_ms": onset,
                "peak_latency_ms": peak,
                "amplitude_uv": amp,
            }
        )[0]
    return {"nerve": nerve, "kind": "sensory", "side": side, "record": record, "sites": [row]}


def median_sensory(
    side: str, peak: float = 3.1, amp: float = 35.0, absent: bool = False, onset: float | None = None
) -> Doc:
    return sensory("median", side, "digit_2", "wrist", 130, peak, amp, onset=onset, absent=absent)


def ulnar_sensory(side: str, peak: float = 2.7, amp: float = 25.0, absent: bool = False) -> Doc:
    return sensory("ulnar", side, "digit_5", "wrist", 110, peak, amp, absent=absent)


def radial_sensory(side: str, peak: float = 2.3, amp: float = 25.0, absent: bool = False) -> Doc:
    return sensory("superficial_radial", side, "snuffbox", "forearm", 100, peak, amp, absent=absent)


def sural(side: str, peak: float = 3.5, amp: float = 15.0, absent: bool = False) -> Doc:
    return sensory("sural", side, "lateral_ankle", "calf", 140, peak, amp, absent=absent)


def superficial_peroneal(side: str, peak: float = 3.4, amp: float = 10.0, absent: bool = False) -> Doc:
    return sensory("superficial_peroneal", side, "ankle", "lateral_calf", 120, peak, amp, absent=absent)


def labc(side: str, amp: float = 18.0, absent: bool = False) -> Doc:
    return sensory(
        "lateral_antebrachial_cutaneous", side, "lateral_forearm", "elbow", 120, 2.4, amp, absent=absent
    )


def mabc(side: str, amp: float = 12.0, absent: bool = False) -> Doc:
    return sensory(
        "medial_antebrachial_cutaneous", side, "medial_forearm", "elbow", 120, 2.6, amp, absent=absent
    )


def duc(side: str, amp: float = 14.0, absent: bool = False) -> Doc:
    return sensory("dorsal_ulnar_cutaneous", side, "dorsum_hand", "forearm", 80, 2.0, amp, absent=absent)


def saphenous(side: str, amp: float = 8.0, absent: bool = False) -> Doc:
    return sensory("saphenous", side, "medial_ankle", "calf", 140, 3.6, amp, absent=absent)


def f_wave(nerve: str, side: str, latency: float | None, persistence: float = 80.0) -> Doc:
    record = {"median": "APB", "ulnar": "ADM", "peroneal": "EDB", "tibial": "AH"}[nerve]
    site = "wrist" if nerve in ("median", "ulnar") else "ankle"
    row = (
        {"site": site, "response": "absent"}
        if latency is None
        else {"site": site, "f_min_latency_ms": latency, "persistence_pct": persistence}
    )
    return {"nerve": nerve, "kind": "f_wave", "side": side, "record": record, "sites": [row]}


def h_reflex(side: str, latency: float | None = 29.0) -> Doc:
    row = (
        {"site": "popliteal_fossa", "response": "absent"}
        if latency is None
        else {"site": "popliteal_fossa", "h_latency_ms": latency}
    )
    return {"nerve": "tibial", "kind": "h_reflex", "side": side, "record": "soleus", "sites": [row]}


def rns(
    nerve: str, side: str, record: str, site: str, decrement: float, increment: float | None = None
) -> Doc:
    sites: list[Doc] = [{"site": site, "condition": "rest", "rate_hz": 3, "decrement_pct": decrement}]
    if increment is not None:
        sites.append({"site": site, "condition": "post_exercise", "increment_pct": increment})
    return {"nerve": nerve, "kind": "rns", "side": side, "record": record, "sites": sites}


def upper_normal(side: str) -> list[Doc]:
    return [
        median_motor(side),
        ulnar_motor(side),
        median_sensory(side),
        ulnar_sensory(side),
        radial_sensory(side),
        f_wave("median", side, 27.0),
        f_wave("ulnar", side, 28.0),
    ]


def lower_normal(side: str) -> list[Doc]:
    return [
        peroneal_motor(side),
        tibial_motor(side),
        sural(side),
        superficial_peroneal(side),
        f_wave("tibial", side, 48.0),
        h_reflex(side),
    ]


# --- needle --------------------------------------------------------------------------------------------

NORMAL = {
    "insertional": "normal",
    "fibrillations": 0,
    "positive_sharp_waves": 0,
    "fasciculations": 0,
    "muap_amplitude": "normal",
    "muap_duration": "normal",
    "polyphasia": "normal",
    "recruitment": "normal",
}
STATES: dict[str, Doc] = {
    "normal": NORMAL,
    "active": NORMAL
    | {
        "insertional": "increased",
        "fibrillations": "2+",
        "positive_sharp_waves": "2+",
        "muap_amplitude": "increased",
        "muap_duration": "increased",
        "polyphasia": "increased",
        "recruitment": "reduced",
    },
    "acute": NORMAL
    | {
        "insertional": "increased",
        "fibrillations": "2+",
        "positive_sharp_waves": "2+",
        "recruitment": "reduced",
    },
    "chronic": NORMAL
    | {
        "muap_amplitude": "increased",
        "muap_duration": "increased",
        "polyphasia": "increased",
        "recruitment": "reduced",
    },
    "mnd": NORMAL
    | {
        "insertional": "increased",
        "fibrillations": "2+",
        "positive_sharp_waves": "2+",
        "fasciculations": "2+",
        "muap_amplitude": "increased",
        "muap_duration": "increased",
        "polyphasia": "increased",
        "recruitment": "reduced",
    },
    "mnd_fasc": NORMAL
    | {
        "fasciculations": "2+",
        "muap_amplitude": "increased",
        "muap_duration": "increased",
        "polyphasia": "increased",
        "recruitment": "reduced",
    },
    "myopathic": NORMAL
    | {
        "muap_amplitude": "decreased",
        "muap_duration": "decreased",
        "polyphasia": "increased",
        "recruitment": "early",
    },
    "myopathic_irritable": NORMAL
    | {
        "insertional": "increased",
        "fibrillations": "2+",
        "positive_sharp_waves": "2+",
        "muap_amplitude": "decreased",
        "muap_duration": "decreased",
        "polyphasia": "increased",
        "recruitment": "early",
    },
    "fib1": NORMAL | {"fibrillations": "1+", "positive_sharp_waves": "1+"},
}


def emg(side: str, state: str, *muscles: str) -> list[Doc]:
    return [{"muscle": m, "side": side, "findings": dict(STATES[state])} for m in muscles]


UPPER_SCREEN = ("APB", "FDI", "pronator_teres", "biceps", "triceps", "deltoid")
LOWER_SCREEN = ("TA", "gastrocnemius_medial", "vastus_lateralis", "tibialis_posterior", "gluteus_medius")


# --- studies -------------------------------------------------------------------------------------------


def study(
    case_id: str,
    *,
    age: float,
    sex: str,
    indication: str,
    ncs: list[Doc],
    emg_: list[Doc],
    temperature: tuple[float, float] = (33.0, 31.5),
) -> Doc:
    return {
        "schema": "edxkit.study/1",
        "id": case_id,
        "patient": {"id": f"P-{case_id}", "age": age, "sex": sex, "height_cm": 170},
        "performed": "2026-11-20",
        "indication": indication,
        "temperature_c": {"upper": temperature[0], "lower": temperature[1]},
        "ncs": ncs,
        "emg": emg_,
    }
