"""Named clinical scenarios: a patient, the studies a lab would do for the referral, and what is wrong.

Each scenario is plain data: which nerves are stimulated where (with the nerve-conduction simulator's
``Pathology``), which muscles are examined with the needle (normal, neurogenic or myopathic, with
spontaneous-activity grades), and the true diagnosis as impressions in the public vocabulary
(DESIGN.md). ``edxkit.simulate.study`` turns a scenario into a study folder with ``truth.json``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from edxkit.simulate.ncs import Pathology, SiteSpec

Side = Literal["left", "right"]
NeedlePathology = Literal["normal", "neurogenic", "myopathic"]
NerveKind = Literal["motor", "sensory", "f_wave", "h_reflex", "rns"]
HEALTHY = Pathology()


@dataclass(frozen=True, slots=True)
class RnsPlan:
    """A repetitive-stimulation protocol: pattern and the true decrement/increment."""

    pattern: Literal["normal", "postsynaptic", "presynaptic"] = "normal"
    decrement_pct: float = 0.0
    increment_pct: float = 0.0
    rate_hz: float = 3.0
    n_stimuli: int = 10


@dataclass(frozen=True, slots=True)
class NervePlan:
    """One nerve study: nerve, kind, side; ``sites`` None means the simulator's standard sites."""

    nerve: str
    kind: NerveKind
    side: Side
    pathology: Pathology = HEALTHY
    sites: tuple[SiteSpec, ...] | None = None
    amplitude_scale: float = 1.0  # presynaptic failure lowers every CMAP without losing axons
    rns: RnsPlan | None = None


@dataclass(frozen=True, slots=True)
class MusclePlan:
    """One muscle examined with the needle at rest and at minimal contraction."""

    muscle: str
    side: Side
    pathology: NeedlePathology = "normal"
    severity: float = 0.0
    spontaneous: Mapping[str, str] = field(default_factory=dict)
    acute: bool = False  # reinnervation not yet under way: MUAPs normal, only denervation potentials

    @property
    def chronicity(self) -> str:
        """Acute: no reinnervation yet; with denervation potentials: ongoing; without: mature."""
        if self.acute:
            return "acute"
        return "chronic_active" if any(g != "0" for g in self.spontaneous.values()) else "chronic"

    def findings(self) -> dict[str, object]:
        """The true grades in the study-file vocabulary (what an expert would enter)."""
        spont = self.spontaneous
        fibs, psws = spont.get("fibrillation", "0"), spont.get("positive_sharp_wave", "0")
        out: dict[str, object] = {
            "insertional": "increased" if fibs != "0" or psws != "0" else "normal",
            "fibrillations": fibs,
            "positive_sharp_waves": psws,
            "fasciculations": spont.get("fasciculation", "0"),
        }
        others = [k for k in ("myotonic", "complex_repetitive", "myokymic") if spont.get(k, "0") != "0"]
        if others:
            out["other_discharges"] = others
        if self.pathology == "neurogenic" and not self.acute:
            out |= {"muap_amplitude": "increased", "muap_duration": "increased", "polyphasia": "increased"}
            out["recruitment"] = "reduced"
        elif self.pathology == "neurogenic":
            out |= {"muap_amplitude": "normal", "muap_duration": "normal", "polyphasia": "normal"}
            out["recruitment"] = "reduced"
        elif self.pathology == "myopathic":
            out |= {"muap_amplitude": "decreased", "muap_duration": "decreased", "polyphasia": "increased"}
            out["recruitment"] = "early"
        else:
            out |= {"muap_amplitude": "normal", "muap_duration": "normal", "polyphasia": "normal"}
            out["recruitment"] = "normal"
        return out


@dataclass(frozen=True, slots=True)
class Scenario:
    """A complete simulated case."""

    name: str
    description: str
    age_years: float
    sex: Literal["female", "male"]
    height_cm: float
    indication: str
    nerves: tuple[NervePlan, ...]
    muscles: tuple[MusclePlan, ...]
    impressions: tuple[dict[str, object], ...]
    temperature_c: tuple[float, float] = (33.0, 31.5)  # upper, lower limb


# --- building blocks -------------------------------------------------------------------------------


def _motor(nerve: str, side: Side, **kw: object) -> NervePlan:
    return NervePlan(nerve, "motor", side, **kw)  # type: ignore[arg-type]


def _sensory(nerve: str, side: Side, **kw: object) -> NervePlan:
    return NervePlan(nerve, "sensory", side, **kw)  # type: ignore[arg-type]


def _f(nerve: str, side: Side, **kw: object) -> NervePlan:
    return NervePlan(nerve, "f_wave", side, **kw)  # type: ignore[arg-type]


def _normal(side: Side, *muscles: str) -> tuple[MusclePlan, ...]:
    return tuple(MusclePlan(m, side) for m in muscles)


def _neuro(side: Side, severity: float, fibs: str, *muscles: str, **extra: str) -> tuple[MusclePlan, ...]:
    spont = {"fibrillation": fibs, "positive_sharp_wave": fibs} | extra
    return tuple(MusclePlan(m, side, "neurogenic", severity, spont) for m in muscles)


def _upper_nerves(side: Side, **changes: NervePlan) -> tuple[NervePlan, ...]:
    """Median and ulnar motor with F-waves, median, ulnar and radial sensory."""
    plans = {
        "median_motor": _motor("median", side),
        "ulnar_motor": _motor("ulnar", side),
        "median_sensory": _sensory("median", side),
        "ulnar_sensory": _sensory("ulnar", side),
        "radial_sensory": _sensory("superficial_radial", side),
        "median_f": _f("median", side),
        "ulnar_f": _f("ulnar", side),
    }
    plans.update(changes)
    return tuple(plans.values())


def _lower_nerves(side: Side, **changes: NervePlan) -> tuple[NervePlan, ...]:
    """Peroneal and tibial motor, tibial F-waves and H-reflex, sural and superficial peroneal sensory."""
    plans = {
        "peroneal_motor": _motor("peroneal", side),
        "tibial_motor": _motor("tibial", side),
        "sural": _sensory("sural", side),
        "superficial_peroneal": _sensory("superficial_peroneal", side),
        "tibial_f": _f("tibial", side),
        "h_reflex": NervePlan("tibial", "h_reflex", side),
    }
    plans.update(changes)
    return tuple(plans.values())


UPPER_SCREEN = ("first_dorsal_interosseous", "abductor_pollicis_brevis", "pronator_teres", "biceps_brachii")
LOWER_SCREEN = ("tibialis_anterior", "gastrocnemius_medial", "vastus_lateralis", "tibialis_posterior")


# --- scenarios -----------------------------------------------------------------------------------


def normal() -> Scenario:
    return Scenario(
        "normal",
        "Normal upper- and lower-limb study",
        42,
        "female",
        166,
        "Tingling of both hands and feet, intermittent",
        _upper_nerves("right") + _lower_nerves("right"),
        _normal("right", *UPPER_SCREEN, *LOWER_SCREEN),
        ({"code": "normal"},),
    )


_CTS = {  # severity: (sensory focal slowing, sensory axon loss, motor focal slowing, motor axon loss)
    "mild": (0.55, 0.0, 0.15, 0.0),
    "moderate": (0.6, 0.45, 0.5, 0.1),
    "severe": (0.7, 1.0, 0.6, 0.7),
}


def carpal_tunnel(severity: Literal["mild", "moderate", "severe"]) -> Scenario:
    s_slow, s_loss, m_slow, m_loss = _CTS[severity]
    tunnel = {"wrist": 30.0}
    sensory = Pathology(
        axonal_loss=min(s_loss, 0.95),
        focal_slowing={"wrist": s_slow},
        lesion_length_mm=tunnel,
        absent=s_loss >= 1,
    )
    motor = Pathology(axonal_loss=m_loss, focal_slowing={"wrist": m_slow}, lesion_length_mm=tunnel)
    apb = (
        _neuro("right", 0.6, "2+", "abductor_pollicis_brevis")
        if severity == "severe"
        else _normal("right", "abductor_pollicis_brevis")
    )
    return Scenario(
        f"carpal_tunnel_{severity}",
        f"Right carpal tunnel syndrome, {severity}",
        54,
        "female",
        165,
        "Numbness of the right hand for 6 months, worse at night",
        _upper_nerves(
            "right",
            median_motor=_motor("median", "right", pathology=motor),
            median_sensory=_sensory("median", "right", pathology=sensory),
        ),
        apb + _normal("right", "first_dorsal_interosseous", "pronator_teres", "biceps_brachii"),
        ({"code": "median_neuropathy_wrist", "side": "right", "severity": severity},),
    )


def ulnar_neuropathy_elbow() -> Scenario:
    motor = Pathology(
        focal_slowing={"above_elbow": 0.45}, conduction_block={"above_elbow": 0.35}, axonal_loss=0.3
    )
    return Scenario(
        "ulnar_neuropathy_elbow",
        "Right ulnar neuropathy at the elbow: slowing and partial block across the elbow",
        61,
        "male",
        178,
        "Weakness and numbness of the right 4th and 5th fingers",
        _upper_nerves(
            "right",
            ulnar_motor=_motor("ulnar", "right", pathology=motor),
            ulnar_sensory=_sensory("ulnar", "right", pathology=Pathology(axonal_loss=0.6)),
            ulnar_f=_f("ulnar", "right", pathology=motor),
        ),
        _neuro("right", 0.5, "1+", "first_dorsal_interosseous", "abductor_digiti_minimi_hand")
        + _normal("right", "flexor_carpi_ulnaris", "abductor_pollicis_brevis", "extensor_indicis"),
        ({"code": "ulnar_neuropathy_elbow", "side": "right", "severity": "moderate"},),
    )


def peroneal_neuropathy_fibular_head() -> Scenario:
    motor = Pathology(conduction_block={"above_fibular_head": 0.6}, focal_slowing={"above_fibular_head": 0.3})
    return Scenario(
        "peroneal_neuropathy_fibular_head",
        "Left peroneal neuropathy at the fibular head: conduction block across the fibular head",
        38,
        "male",
        182,
        "Left foot drop after weight loss and leg crossing",
        _lower_nerves(
            "left",
            peroneal_motor=_motor("peroneal", "left", pathology=motor),
            superficial_peroneal=_sensory(
                "superficial_peroneal", "left", pathology=Pathology(axonal_loss=0.5)
            ),
        ),
        _neuro("left", 0.3, "2+", "tibialis_anterior", "extensor_hallucis_longus", "peroneus_longus")
        + _normal("left", "biceps_femoris_short_head", "tibialis_posterior", "gastrocnemius_medial"),
        ({"code": "peroneal_neuropathy_fibular_head", "side": "left", "severity": "moderate"},),
        temperature_c=(33.0, 31.0),
    )


def l5_radiculopathy() -> Scenario:
    l5 = ("tibialis_anterior", "extensor_hallucis_longus", "peroneus_longus", "tibialis_posterior")
    return Scenario(
        "l5_radiculopathy",
        "Left L5 radiculopathy: denervation in L5 muscles and paraspinals, sensory responses normal",
        57,
        "male",
        175,
        "Low back pain radiating to the left dorsal foot, weak toe extension",
        _lower_nerves(
            "left", peroneal_motor=_motor("peroneal", "left", pathology=Pathology(axonal_loss=0.3))
        ),
        _neuro("left", 0.5, "2+", *l5, "gluteus_medius", "lumbosacral_paraspinals")
        + _normal("left", "gastrocnemius_medial", "vastus_lateralis", "biceps_femoris_long_head"),
        (
            {
                "code": "lumbosacral_radiculopathy",
                "root": "L5",
                "side": "left",
                "chronicity": "chronic_active",
            },
        ),
    )


def c7_radiculopathy() -> Scenario:
    c7 = ("triceps", "flexor_carpi_radialis", "pronator_teres", "extensor_digitorum_communis")
    return Scenario(
        "c7_radiculopathy",
        "Right C7 radiculopathy: denervation in C7 muscles and cervical paraspinals, normal NCS",
        49,
        "female",
        163,
        "Neck pain radiating to the right middle finger, weak elbow extension",
        _upper_nerves("right"),
        _neuro("right", 0.5, "1+", *c7, "cervical_paraspinals")
        + _normal("right", "deltoid", "biceps_brachii", "first_dorsal_interosseous"),
        ({"code": "cervical_radiculopathy", "root": "C7", "side": "right", "chronicity": "chronic_active"},),
    )


def axonal_polyneuropathy() -> Scenario:
    def loss(x: float) -> Pathology:
        return Pathology(axonal_loss=x, demyelination=0.05)

    return Scenario(
        "axonal_polyneuropathy",
        "Length-dependent axonal sensorimotor polyneuropathy (e.g. diabetic)",
        66,
        "male",
        176,
        "Burning feet for 2 years; diabetes",
        _lower_nerves(
            "right",
            peroneal_motor=_motor("peroneal", "right", pathology=loss(0.65)),
            tibial_motor=_motor("tibial", "right", pathology=loss(0.55)),
            sural=_sensory("sural", "right", pathology=Pathology(absent=True)),
            superficial_peroneal=_sensory("superficial_peroneal", "right", pathology=loss(0.85)),
            h_reflex=NervePlan("tibial", "h_reflex", "right", pathology=loss(0.5)),
        )
        + _upper_nerves(
            "right",
            median_sensory=_sensory("median", "right", pathology=loss(0.4)),
            ulnar_sensory=_sensory("ulnar", "right", pathology=loss(0.35)),
        ),
        _neuro("right", 0.5, "1+", "tibialis_anterior", "gastrocnemius_medial", "extensor_digitorum_brevis")
        + _normal("right", "vastus_lateralis", "first_dorsal_interosseous"),
        ({"code": "polyneuropathy", "fibers": "sensorimotor", "pathology": "axonal"},),
    )


def demyelinating_polyneuropathy() -> Scenario:
    def demy(x: float, **kw: object) -> Pathology:
        return Pathology(demyelination=x, demyelination_spread=0.6, **kw)  # type: ignore[arg-type]

    return Scenario(
        "demyelinating_polyneuropathy",
        "Acquired demyelinating sensorimotor polyneuropathy with conduction block (CIDP pattern)",
        58,
        "male",
        180,
        "Progressive weakness of arms and legs and numbness over 4 months",
        _upper_nerves(
            "right",
            median_motor=_motor("median", "right", pathology=demy(0.45, conduction_block={"elbow": 0.6})),
            ulnar_motor=_motor(
                "ulnar", "right", pathology=demy(0.45, temporal_dispersion={"below_elbow": 0.5})
            ),
            median_sensory=_sensory("median", "right", pathology=demy(0.35, axonal_loss=0.5)),
            ulnar_sensory=_sensory("ulnar", "right", pathology=demy(0.35, axonal_loss=0.4)),
            median_f=_f("median", "right", pathology=demy(0.45)),
            ulnar_f=_f("ulnar", "right", pathology=demy(0.45)),
        )
        + _lower_nerves(
            "right",
            peroneal_motor=_motor("peroneal", "right", pathology=demy(0.45, axonal_loss=0.3)),
            tibial_motor=_motor("tibial", "right", pathology=demy(0.45)),
            tibial_f=_f("tibial", "right", pathology=demy(0.45)),
            h_reflex=NervePlan("tibial", "h_reflex", "right", pathology=Pathology(absent=True)),
        ),
        _neuro("right", 0.3, "0", "tibialis_anterior")
        + _normal("right", "first_dorsal_interosseous", "vastus_lateralis", "deltoid"),
        ({"code": "polyneuropathy", "fibers": "sensorimotor", "pathology": "demyelinating"},),
    )


def als() -> Scenario:
    def loss(x: float) -> Pathology:
        return Pathology(axonal_loss=x)

    regions = (
        "first_dorsal_interosseous",
        "biceps_brachii",
        "triceps",
        "cervical_paraspinals",
        "thoracic_paraspinals",
        "tibialis_anterior",
        "vastus_lateralis",
        "gastrocnemius_medial",
        "genioglossus",
    )
    return Scenario(
        "als",
        "Amyotrophic lateral sclerosis: active and chronic denervation in bulbar, cervical, thoracic and "
        "lumbosacral regions with fasciculations, normal sensory responses",
        63,
        "male",
        174,
        "Progressive painless weakness and wasting of the right hand and left leg, cramps",
        _upper_nerves(
            "right",
            median_motor=_motor("median", "right", pathology=loss(0.55)),
            ulnar_motor=_motor("ulnar", "right", pathology=loss(0.6)),
        )
        + _lower_nerves(
            "right",
            peroneal_motor=_motor("peroneal", "right", pathology=loss(0.6)),
            tibial_motor=_motor("tibial", "right", pathology=loss(0.4)),
        ),
        _neuro("right", 0.7, "2+", *regions, fasciculation="2+"),
        ({"code": "motor_neuron_disease"},),
    )


def myopathy(irritable: bool) -> Scenario:
    spont = {"fibrillation": "2+", "positive_sharp_wave": "2+"} if irritable else {}
    proximal = ("deltoid", "biceps_brachii", "iliopsoas", "vastus_lateralis")
    name = "myopathy_irritable" if irritable else "myopathy"
    return Scenario(
        name,
        "Proximal myopathy" + (" with fibrillations (inflammatory, e.g. polymyositis)" if irritable else ""),
        52,
        "female",
        160,
        "Difficulty climbing stairs and lifting arms for 4 months",
        _upper_nerves("right") + _lower_nerves("right"),
        tuple(MusclePlan(m, "right", "myopathic", 0.6, spont) for m in proximal)
        + _normal("right", "first_dorsal_interosseous", "tibialis_anterior"),
        ({"code": "myopathy", "irritable": irritable},),
    )


def myasthenia_gravis() -> Scenario:
    rns = RnsPlan("postsynaptic", decrement_pct=25.0)
    return Scenario(
        "myasthenia_gravis",
        "Generalized myasthenia gravis: decrement on 3 Hz repetitive stimulation, normal NCS",
        34,
        "female",
        168,
        "Fluctuating ptosis, double vision and fatigable arm weakness",
        (
            *_upper_nerves("right"),
            NervePlan("ulnar", "rns", "right", rns=rns),
            NervePlan("median", "rns", "right", rns=RnsPlan("postsynaptic", decrement_pct=18.0)),
        ),
        _normal("right", "deltoid", "biceps_brachii", "first_dorsal_interosseous"),
        ({"code": "nmj_postsynaptic"},),
    )


def lambert_eaton() -> Scenario:
    low = 0.3  # resting CMAPs about a third of normal

    def m(nerve: str) -> NervePlan:
        return _motor(nerve, "right", amplitude_scale=low)

    rns = RnsPlan("presynaptic", decrement_pct=15.0, increment_pct=180.0)
    return Scenario(
        "lambert_eaton",
        "Lambert–Eaton myasthenic syndrome: low CMAPs, decrement at 3 Hz, post-exercise increment",
        59,
        "male",
        177,
        "Proximal leg weakness, dry mouth; smoker",
        _upper_nerves("right", median_motor=m("median"), ulnar_motor=m("ulnar"))
        + _lower_nerves("right", peroneal_motor=m("peroneal"), tibial_motor=m("tibial"))
        + (NervePlan("ulnar", "rns", "right", rns=rns, amplitude_scale=low),),
        _normal("right", "deltoid", "vastus_lateralis", "first_dorsal_interosseous"),
        ({"code": "nmj_presynaptic"},),
    )


SCENARIOS: dict[str, Callable[[], Scenario]] = {
    "normal": normal,
    "carpal_tunnel_mild": lambda: carpal_tunnel("mild"),
    "carpal_tunnel_moderate": lambda: carpal_tunnel("moderate"),
    "carpal_tunnel_severe": lambda: carpal_tunnel("severe"),
    "ulnar_neuropathy_elbow": ulnar_neuropathy_elbow,
    "peroneal_neuropathy_fibular_head": peroneal_neuropathy_fibular_head,
    "l5_radiculopathy": l5_radiculopathy,
    "c7_radiculopathy": c7_radiculopathy,
    "axonal_polyneuropathy": axonal_polyneuropathy,
    "demyelinating_polyneuropathy": demyelinating_polyneuropathy,
    "als": als,
    "myopathy": lambda: myopathy(False),
    "myopathy_irritable": lambda: myopathy(True),
    "myasthenia_gravis": myasthenia_gravis,
    "lambert_eaton": lambert_eaton,
}


def scenario(name: str) -> Scenario:
    """The scenario with this name; a ValueError lists the names there are."""
    try:
        return SCENARIOS[name]()
    except KeyError:
        raise ValueError(f"unknown scenario {name!r}; known: {', '.join(SCENARIOS)}") from None
