# ruff: noqa: RUF005  (list concatenation reads best for study lists)
"""The case library: textbook-style studies and the impressions a physician would write.

Every pattern of the interpretation rules is here with its near misses: CTS vs C6/C7 radiculopathy;
UNE vs ulnar at the wrist vs C8 radiculopathy vs lower trunk plexopathy; L5 radiculopathy vs peroneal
neuropathy vs sciatic neuropathy vs lumbosacral trunk plexopathy; axonal vs demyelinating vs mixed
polyneuropathy; MND vs multilevel radiculopathy vs multifocal motor demyelination; myopathy vs NMJ;
normal studies (one elderly), a cool limb, and findings that fit no pattern.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from builders import (
    LOWER_SCREEN,
    UPPER_SCREEN,
    duc,
    emg,
    f_wave,
    h_reflex,
    labc,
    lower_normal,
    mabc,
    median_motor,
    median_sensory,
    peroneal_motor,
    radial_motor,
    radial_sensory,
    rns,
    saphenous,
    sensory,
    study,
    superficial_peroneal,
    sural,
    tibial_motor,
    ulnar_motor,
    ulnar_sensory,
    upper_normal,
)

Doc = dict[str, Any]


@dataclass(frozen=True)
class Case:
    """A study document, its description and the expected impressions (code + key attributes)."""

    description: str
    study: Doc
    expected: list[Doc]
    extra: Doc = field(default_factory=dict)


CASES: dict[str, Case] = {}


def case(name: str, description: str, doc: Doc, expected: list[Doc], **extra: Any) -> None:
    CASES[name] = Case(description, doc, expected, extra)


def replace(studies: list[Doc], *new: Doc) -> list[Doc]:
    """``studies`` with each of ``new`` replacing the study of the same nerve, kind and side."""
    keys = {(n["nerve"], n["kind"], n["side"]) for n in new}
    return [n for n in studies if (n["nerve"], n["kind"], n["side"]) not in keys] + list(new)


# --- normal studies -----------------------------------------------------------------------------------

case(
    "normal_upper_limb",
    "Normal right upper-limb NCS and needle screen",
    study(
        "normal_upper_limb",
        age=42,
        sex="female",
        indication="Intermittent tingling of the right hand",
        ncs=upper_normal("right"),
        emg_=emg("right", "normal", *UPPER_SCREEN, "cervical_paraspinals"),
    ),
    [{"code": "normal"}],
)

case(
    "normal_lower_limb",
    "Normal left lower-limb NCS and needle screen",
    study(
        "normal_lower_limb",
        age=50,
        sex="male",
        indication="Left leg pain, no weakness",
        ncs=lower_normal("left"),
        emg_=emg("left", "normal", *LOWER_SCREEN, "lumbosacral_paraspinals"),
    ),
    [{"code": "normal"}],
)

case(
    "normal_elderly_absent_sural",
    "78-year-old: absent sural SNAP is within the age limit (>=75 y)",
    study(
        "normal_elderly_absent_sural",
        age=78,
        sex="female",
        indication="Unsteady gait",
        ncs=replace(lower_normal("right"), sural("right", absent=True)),
        emg_=emg("right", "normal", "TA", "gastrocnemius_medial"),
    ),
    [{"code": "normal"}],
)

case(
    "cool_upper_limb",
    "Arm at 29 C: mildly prolonged latencies with normal amplitudes are not interpreted",
    study(
        "cool_upper_limb",
        age=45,
        sex="female",
        indication="Numbness of the right hand",
        temperature=(29.0, 31.0),
        ncs=[
            median_motor("right", dml=4.7, elbow_lat=9.3),
            ulnar_motor("right", dml=3.5),
            median_sensory("right", peak=3.8),
            ulnar_sensory("right", peak=3.4),
            f_wave("median", "right", 32.5),
        ],
        emg_=emg("right", "normal", "APB", "FDI", "pronator_teres"),
    ),
    [],
    statement_contains="temperature floor",
    limitations_contain=["below the 32"],
)

# --- carpal tunnel syndrome ---------------------------------------------------------------------------

case(
    "cts_mild",
    "Right CTS, mild: prolonged median sensory peak latency, normal motor",
    study(
        "cts_mild",
        age=48,
        sex="female",
        indication="Night-time numbness of the right hand",
        ncs=replace(
            upper_normal("right"), median_sensory("right", peak=4.0, amp=28), median_motor("right", dml=4.0)
        ),
        emg_=emg("right", "normal", "APB", "FDI", "pronator_teres"),
    ),
    [{"code": "median_neuropathy_wrist", "side": "right", "severity": "mild"}],
)

case(
    "cts_comparison_only",
    "Left CTS found only on internal comparisons (D4 and palmar), Bland grade 1",
    study(
        "cts_comparison_only",
        age=39,
        sex="female",
        indication="Left hand paraesthesiae at night",
        ncs=replace(upper_normal("left"), median_sensory("left", peak=3.4, amp=30, onset=2.55))
        + [
            sensory("median", "left", "digit_4", "wrist", 140, 3.7, 20),
            sensory("ulnar", "left", "digit_4", "wrist", 140, 3.1, 18),
            sensory("median", "left", "wrist", "palm", 80, 2.4, 60),
            sensory("ulnar", "left", "wrist", "palm", 80, 1.9, 25),
        ],
        emg_=emg("left", "normal", "APB", "FDI"),
    ),
    [{"code": "median_neuropathy_wrist", "side": "left", "severity": "mild"}],
)

case(
    "cts_moderate",
    "Left CTS, moderate: low slow SNAP and prolonged DML with preserved CMAP",
    study(
        "cts_moderate",
        age=55,
        sex="female",
        indication="Numbness of the left hand for a year, worse at night",
        ncs=replace(
            upper_normal("left"),
            median_sensory("left", peak=4.4, amp=14),
            median_motor("left", dml=5.4, amp=7.0),
        ),
        emg_=emg("left", "normal", "APB", "FDI", "pronator_teres"),
    ),
    [{"code": "median_neuropathy_wrist", "side": "left", "severity": "moderate"}],
)

case(
    "cts_severe",
    "Right CTS, severe: absent SNAP, low CMAP with DML 6.8 ms, thenar denervation",
    study(
        "cts_severe",
        age=67,
        sex="female",
        indication="Thenar wasting and numbness of the right hand",
        ncs=replace(
            upper_normal("right"),
            median_sensory("right", absent=True),
            median_motor("right", dml=6.8, amp=2.2),
            f_wave("median", "right", 33.0),
        ),
        emg_=emg("right", "active", "APB") + emg("right", "normal", "FDI", "pronator_teres", "EIP"),
    ),
    [
        {
            "code": "median_neuropathy_wrist",
            "side": "right",
            "severity": "severe",
            "chronicity": "chronic_active",
        }
    ],
)

case(
    "cts_bilateral",
    "Bilateral CTS: right mild, left moderate",
    study(
        "cts_bilateral",
        age=52,
        sex="female",
        indication="Both hands numb at night",
        ncs=replace(upper_normal("right"), median_sensory("right", peak=4.0, amp=26))
        + replace(
            upper_normal("left"), median_sensory("left", peak=4.3, amp=22), median_motor("left", dml=5.0)
        ),
        emg_=emg("right", "normal", "APB", "FDI") + emg("left", "normal", "APB", "FDI"),
    ),
    [
        {"code": "median_neuropathy_wrist", "side": "right", "severity": "mild"},
        {"code": "median_neuropathy_wrist", "side": "left", "severity": "moderate"},
    ],
)

case(
    "cts_without_comparison",
    "Right CTS with median studies only: limitation stated",
    study(
        "cts_without_comparison",
        age=44,
        sex="female",
        indication="Right hand numbness, worse at night",
        ncs=[median_motor("right", dml=4.1), median_sensory("right", peak=4.1, amp=24)],
        emg_=[],
    ),
    [{"code": "median_neuropathy_wrist", "side": "right", "severity": "mild"}],
    limitations_contain=["without a comparison nerve"],
)

case(
    "cts_and_c7_radiculopathy",
    "Left mild CTS and left C7 radiculopathy together",
    study(
        "cts_and_c7_radiculopathy",
        age=58,
        sex="male",
        indication="Neck pain radiating to the left hand",
        ncs=replace(upper_normal("left"), median_sensory("left", peak=4.0, amp=25)),
        emg_=emg("left", "active", "triceps", "FCR", "pronator_teres", "EDC")
        + emg("left", "acute", "cervical_paraspinals")
        + emg("left", "normal", "APB", "FDI", "deltoid", "biceps"),
    ),
    [
        {"code": "median_neuropathy_wrist", "side": "left", "severity": "mild"},
        {"code": "cervical_radiculopathy", "side": "left", "root": "C7"},
    ],
)

# --- cervical radiculopathy and its mimics -------------------------------------------------------------

case(
    "c6_radiculopathy",
    "Right C6 radiculopathy: normal median studies (not CTS), C6 muscles and paraspinals",
    study(
        "c6_radiculopathy",
        age=51,
        sex="male",
        indication="Neck pain radiating to the right thumb",
        ncs=upper_normal("right"),
        emg_=emg("right", "active", "pronator_teres", "FCR", "ECRL", "biceps")
        + emg("right", "acute", "cervical_paraspinals")
        + emg("right", "normal", "deltoid", "triceps", "FDI", "APB"),
    ),
    [{"code": "cervical_radiculopathy", "side": "right", "root": "C6", "chronicity": "chronic_active"}],
)

case(
    "c7_radiculopathy",
    "Left C7 radiculopathy (Levin 1996 pattern)",
    study(
        "c7_radiculopathy",
        age=49,
        sex="female",
        indication="Neck pain radiating to the left middle finger",
        ncs=upper_normal("left"),
        emg_=emg("left", "active", "triceps", "FCR", "pronator_teres", "EDC")
        + emg("left", "acute", "cervical_paraspinals")
        + emg("left", "normal", "deltoid", "biceps", "FDI", "APB"),
    ),
    [{"code": "cervical_radiculopathy", "side": "left", "root": "C7", "chronicity": "chronic_active"}],
)

case(
    "c5_radiculopathy",
    "Right C5 radiculopathy: spinati, deltoid, biceps, brachioradialis; normal LABC",
    study(
        "c5_radiculopathy",
        age=60,
        sex="male",
        indication="Right shoulder weakness and neck pain",
        ncs=upper_normal("right") + [labc("right")],
        emg_=emg(
            "right", "active", "deltoid", "infraspinatus", "biceps", "brachioradialis", "cervical_paraspinals"
        )
        + emg("right", "normal", "pronator_teres", "triceps", "FDI"),
    ),
    [{"code": "cervical_radiculopathy", "side": "right", "root": "C5"}],
)

case(
    "c8_radiculopathy",
    "Right C8 radiculopathy: ulnar, median and radial C8 muscles, normal ulnar SNAP and MABC",
    study(
        "c8_radiculopathy",
        age=57,
        sex="male",
        indication="Neck pain radiating to the right little finger",
        ncs=upper_normal("right") + [mabc("right"), duc("right")],
        emg_=emg("right", "active", "FDI", "ADM", "APB", "EIP", "FPL")
        + emg("right", "acute", "cervical_paraspinals")
        + emg("right", "normal", "triceps", "biceps"),
    ),
    [{"code": "cervical_radiculopathy", "side": "right", "root": "C8"}],
)

# --- ulnar --------------------------------------------------------------------------------------------

case(
    "une_moderate",
    "Right UNE: across-elbow CV 36 m/s, 34% block, low ulnar and DUC SNAPs, FDI/ADM denervation",
    study(
        "une_moderate",
        age=55,
        sex="male",
        indication="Numb right 4th and 5th fingers, weak grip",
        ncs=replace(
            upper_normal("right"),
            ulnar_motor("right", dml=3.0, amp=8.5, be_lat=6.8, be_amp=8.3, ae_lat=9.58, ae_amp=5.5),
            ulnar_sensory("right", amp=9),
        )
        + [duc("right", amp=5)],
        emg_=emg("right", "active", "FDI", "ADM") + emg("right", "normal", "FCU", "APB", "EIP", "triceps"),
    ),
    [{"code": "ulnar_neuropathy_elbow", "side": "right", "severity": "moderate"}],
)

case(
    "une_mild",
    "Left UNE, mild: focal slowing across the elbow only",
    study(
        "une_mild",
        age=44,
        sex="male",
        indication="Intermittent left little-finger numbness",
        ncs=replace(upper_normal("left"), ulnar_motor("left", be_lat=6.6, ae_lat=8.98)),
        emg_=emg("left", "normal", "FDI", "ADM", "APB"),
    ),
    [{"code": "ulnar_neuropathy_elbow", "side": "left", "severity": "mild"}],
)

case(
    "ulnar_wrist",
    "Right ulnar neuropathy at the wrist: prolonged DML, low digital SNAP, normal DUC, FCU normal",
    study(
        "ulnar_wrist",
        age=41,
        sex="male",
        indication="Cyclist with right hand weakness",
        ncs=replace(
            upper_normal("right"), ulnar_motor("right", dml=4.4, amp=5.0), ulnar_sensory("right", amp=8)
        )
        + [duc("right")],
        emg_=emg("right", "active", "FDI", "ADM") + emg("right", "normal", "FCU", "FDP_4_5", "APB", "EIP"),
    ),
    [{"code": "ulnar_neuropathy_wrist", "side": "right"}],
)

# --- brachial plexus ----------------------------------------------------------------------------------

case(
    "lower_trunk_plexopathy",
    "Left lower trunk: low ulnar/MABC/DUC SNAPs, C8-T1 muscles, paraspinals normal",
    study(
        "lower_trunk_plexopathy",
        age=38,
        sex="female",
        indication="Left hand wasting, medial forearm numbness",
        ncs=replace(
            upper_normal("left"),
            median_motor("left", dml=3.8, amp=2.5),
            ulnar_motor("left", amp=4.5),
            ulnar_sensory("left", amp=6),
        )
        + [mabc("left", absent=True), duc("left", amp=5)],
        emg_=emg("left", "active", "APB", "FDI", "ADM", "EIP", "FPL")
        + emg("left", "normal", "cervical_paraspinals", "triceps", "biceps", "deltoid"),
    ),
    [{"code": "brachial_plexopathy", "side": "left", "element": "lower_trunk"}],
)

case(
    "upper_trunk_plexopathy",
    "Right upper trunk: low LABC/median D2/radial SNAPs, C5-6 muscles, rhomboid spared",
    study(
        "upper_trunk_plexopathy",
        age=29,
        sex="male",
        indication="Right shoulder weakness after a fall",
        ncs=replace(upper_normal("right"), median_sensory("right", amp=12), radial_sensory("right", amp=6))
        + [labc("right", absent=True)],
        emg_=emg("right", "active", "deltoid", "infraspinatus", "supraspinatus", "biceps", "brachioradialis")
        + emg(
            "right", "normal", "rhomboid_major", "serratus_anterior", "cervical_paraspinals", "triceps", "FDI"
        ),
    ),
    [{"code": "brachial_plexopathy", "side": "right", "element": "upper_trunk"}],
)

case(
    "posterior_cord_plexopathy",
    "Right posterior cord: axillary and radial muscles, low radial SNAP",
    study(
        "posterior_cord_plexopathy",
        age=35,
        sex="male",
        indication="Right arm weakness after shoulder dislocation",
        ncs=replace(upper_normal("right"), radial_sensory("right", amp=5)) + [radial_motor("right", amp=1.2)],
        emg_=emg("right", "active", "deltoid", "latissimus_dorsi", "triceps", "brachioradialis", "EDC")
        + emg("right", "normal", "biceps", "pronator_teres", "supraspinatus", "cervical_paraspinals", "FDI"),
    ),
    [{"code": "brachial_plexopathy", "side": "right", "element": "posterior_cord"}],
)

# --- radial -------------------------------------------------------------------------------------------

case(
    "radial_spiral_groove",
    "Left radial neuropathy at the spiral groove: block, low SR SNAP, triceps spared",
    study(
        "radial_spiral_groove",
        age=33,
        sex="male",
        indication="Left wrist drop after sleeping on the arm",
        ncs=replace(upper_normal("left"), radial_sensory("left", amp=7))
        + [radial_motor("left", amp=3.8, groove_amp=0.6)],
        emg_=emg("left", "acute", "brachioradialis", "ECRL", "EDC", "EIP")
        + emg("left", "normal", "triceps", "deltoid"),
    ),
    [{"code": "radial_neuropathy_spiral_groove", "side": "left", "severity": "moderate"}],
)

case(
    "posterior_interosseous",
    "Right PIN neuropathy: EDC/EIP/ECU, brachioradialis and ECRL spared, SR normal",
    study(
        "posterior_interosseous",
        age=47,
        sex="female",
        indication="Right finger drop, wrist extension preserved",
        ncs=upper_normal("right") + [radial_motor("right", amp=0.9)],
        emg_=emg("right", "acute", "EDC", "EIP", "ECU")
        + emg("right", "normal", "brachioradialis", "ECRL", "triceps", "FDI", "APB"),
    ),
    [
        {
            "code": "mononeuropathy",
            "side": "right",
            "nerve": "posterior_interosseous",
            "site": "arcade_of_frohse",
        }
    ],
)

case(
    "anterior_interosseous",
    "Right AIN neuropathy: FPL, FDP 2-3, PQ; median SNAP and APB normal",
    study(
        "anterior_interosseous",
        age=36,
        sex="male",
        indication="Cannot make an OK sign with the right hand",
        ncs=upper_normal("right"),
        emg_=emg("right", "acute", "FPL", "FDP_2_3", "pronator_quadratus")
        + emg("right", "normal", "APB", "pronator_teres", "FCR", "FDI"),
    ),
    [{"code": "mononeuropathy", "side": "right", "nerve": "anterior_interosseous", "site": "forearm"}],
)

# --- peroneal, L5, sciatic, lumbosacral plexus -----------------------------------------------------------

case(
    "peroneal_fibular_head_block",
    "Left peroneal neuropathy at the fibular head: 67% block, slowing, low SP SNAP",
    study(
        "peroneal_fibular_head_block",
        age=38,
        sex="male",
        indication="Left foot drop after weight loss",
        ncs=replace(
            lower_normal("left"),
            peroneal_motor("left", dml=4.8, amp=5.0, bfh_lat=11.47, bfh_amp=4.8, afh_lat=14.8, afh_amp=1.6),
            superficial_peroneal("left", amp=3),
        ),
        emg_=emg("left", "acute", "TA", "EHL", "peroneus_longus")
        + emg(
            "left",
            "normal",
            "biceps_femoris_short_head",
            "tibialis_posterior",
            "gastrocnemius_medial",
            "gluteus_medius",
            "lumbosacral_paraspinals",
        ),
    ),
    [{"code": "peroneal_neuropathy_fibular_head", "side": "left", "severity": "moderate"}],
)

case(
    "peroneal_axonal",
    "Right peroneal neuropathy, axonal: localized by needle (BFSH spared) and absent SP SNAP",
    study(
        "peroneal_axonal",
        age=62,
        sex="male",
        indication="Right foot drop for 2 months",
        ncs=replace(
            lower_normal("right"),
            peroneal_motor("right", amp=0.7, bfh_amp=0.66, afh_amp=0.64),
            superficial_peroneal("right", absent=True),
        ),
        emg_=emg("right", "active", "TA", "EHL", "peroneus_longus")
        + emg(
            "right",
            "normal",
            "biceps_femoris_short_head",
            "tibialis_posterior",
            "gastrocnemius_medial",
            "lumbosacral_paraspinals",
        ),
    ),
    [{"code": "peroneal_neuropathy_fibular_head", "side": "right", "severity": "severe"}],
)

case(
    "l5_radiculopathy",
    "Left L5 radiculopathy: peroneal and tibial L5 muscles, gluteus medius, paraspinals",
    study(
        "l5_radiculopathy",
        age=57,
        sex="male",
        indication="Low back pain radiating to the left dorsal foot",
        ncs=replace(lower_normal("left"), peroneal_motor("left", amp=3.0)),
        emg_=emg("left", "active", "TA", "EHL", "peroneus_longus", "tibialis_posterior", "gluteus_medius")
        + emg("left", "acute", "lumbosacral_paraspinals")
        + emg("left", "normal", "gastrocnemius_medial", "vastus_lateralis", "biceps_femoris_long_head"),
    ),
    [{"code": "lumbosacral_radiculopathy", "side": "left", "root": "L5", "chronicity": "chronic_active"}],
)

case(
    "l5_radiculopathy_no_paraspinals",
    "Right L5 radiculopathy (TA + tibialis posterior), paraspinals not done",
    study(
        "l5_radiculopathy_no_paraspinals",
        age=63,
        sex="female",
        indication="Right foot drop with back pain",
        ncs=lower_normal("right"),
        emg_=emg("right", "active", "TA", "EHL", "tibialis_posterior", "FDL")
        + emg("right", "normal", "gastrocnemius_medial", "vastus_lateralis"),
    ),
    [{"code": "lumbosacral_radiculopathy", "side": "right", "root": "L5"}],
    limitations_contain=["lumbosacral paraspinals not examined"],
)

case(
    "s1_radiculopathy",
    "Right S1 radiculopathy: gastrocnemius, soleus, gluteus maximus, prolonged H-reflex",
    study(
        "s1_radiculopathy",
        age=46,
        sex="male",
        indication="Sciatica on the right with a lost ankle jerk",
        ncs=replace(lower_normal("right"), h_reflex("right", 36.5)) + [h_reflex("left", 29.5)],
        emg_=emg(
            "right", "active", "gastrocnemius_medial", "soleus", "gluteus_maximus", "biceps_femoris_long_head"
        )
        + emg("right", "acute", "lumbosacral_paraspinals")
        + emg("right", "normal", "TA", "tibialis_posterior", "vastus_lateralis", "gluteus_medius"),
    ),
    [{"code": "lumbosacral_radiculopathy", "side": "right", "root": "S1"}],
)

case(
    "sciatic_neuropathy",
    "Left sciatic neuropathy: peroneal and tibial muscles with BFSH, gluteals spared, low SNAPs",
    study(
        "sciatic_neuropathy",
        age=45,
        sex="female",
        indication="Left leg weakness after hip surgery",
        ncs=replace(
            lower_normal("left"),
            peroneal_motor("left", amp=1.0, bfh_amp=0.95, afh_amp=0.92),
            tibial_motor("left", amp=3.0),
            sural("left", amp=3),
            superficial_peroneal("left", absent=True),
        )
        + [sural("right", amp=14)],
        emg_=emg(
            "left",
            "acute",
            "TA",
            "peroneus_longus",
            "biceps_femoris_short_head",
            "gastrocnemius_medial",
            "tibialis_posterior",
        )
        + emg(
            "left",
            "normal",
            "gluteus_medius",
            "gluteus_maximus",
            "lumbosacral_paraspinals",
            "vastus_lateralis",
        ),
    ),
    [{"code": "mononeuropathy", "side": "left", "nerve": "sciatic", "site": "sciatic_notch"}],
)

case(
    "lumbosacral_trunk_plexopathy",
    "Left lumbosacral trunk: L5 muscles with absent SP SNAP, paraspinals normal",
    study(
        "lumbosacral_trunk_plexopathy",
        age=31,
        sex="female",
        indication="Left foot drop after childbirth",
        ncs=replace(lower_normal("left"), superficial_peroneal("left", absent=True)),
        emg_=emg("left", "acute", "TA", "EHL", "tibialis_posterior", "gluteus_medius")
        + emg("left", "normal", "gastrocnemius_medial", "lumbosacral_paraspinals", "vastus_lateralis"),
    ),
    [{"code": "lumbosacral_plexopathy", "side": "left", "element": "lumbosacral_trunk"}],
)

case(
    "lumbar_plexopathy",
    "Right lumbar plexopathy: femoral and obturator muscles, absent saphenous, paraspinals normal",
    study(
        "lumbar_plexopathy",
        age=64,
        sex="male",
        indication="Painful right thigh weakness, diabetes",
        ncs=lower_normal("right") + [saphenous("right", absent=True)],
        emg_=emg(
            "right",
            "active",
            "vastus_lateralis",
            "vastus_medialis",
            "rectus_femoris",
            "iliopsoas",
            "adductor_longus",
        )
        + emg("right", "normal", "lumbosacral_paraspinals", "TA", "gastrocnemius_medial"),
    ),
    [{"code": "lumbosacral_plexopathy", "side": "right", "element": "lumbar_plexus"}],
)

case(
    "femoral_neuropathy",
    "Left femoral neuropathy at the inguinal ligament: quadriceps, absent saphenous",
    study(
        "femoral_neuropathy",
        age=52,
        sex="female",
        indication="Left knee buckling after pelvic surgery",
        ncs=lower_normal("left") + [saphenous("left", absent=True)],
        emg_=emg("left", "acute", "vastus_lateralis", "vastus_medialis", "rectus_femoris")
        + emg("left", "normal", "iliopsoas", "adductor_longus", "lumbosacral_paraspinals", "TA"),
    ),
    [{"code": "mononeuropathy", "side": "left", "nerve": "femoral", "site": "inguinal"}],
)

# --- polyneuropathy -----------------------------------------------------------------------------------

_LEGS_AXONAL = [
    sural("right", absent=True),
    sural("left", absent=True),
    superficial_peroneal("right", absent=True),
    superficial_peroneal("left", absent=True),
    peroneal_motor("right", dml=4.9, amp=0.9, bfh_lat=12.2, afh_lat=14.2),
    peroneal_motor("left", dml=5.0, amp=1.0, bfh_lat=12.3, afh_lat=14.3),
    tibial_motor("right", amp=2.5),
    tibial_motor("left", amp=2.8),
    f_wave("tibial", "right", 52.0),
]

case(
    "polyneuropathy_axonal_sensorimotor",
    "Length-dependent axonal sensorimotor PN: absent leg SNAPs, low foot CMAPs",
    study(
        "polyneuropathy_axonal_sensorimotor",
        age=62,
        sex="male",
        indication="Burning feet for 2 years, diabetes",
        ncs=_LEGS_AXONAL
        + [
            median_motor("right"),
            ulnar_motor("right"),
            median_sensory("right"),
            ulnar_sensory("right", amp=15),
        ],
        emg_=emg("right", "active", "TA")
        + emg("right", "chronic", "gastrocnemius_medial")
        + emg("right", "normal", "vastus_lateralis", "FDI"),
    ),
    [
        {
            "code": "polyneuropathy",
            "fibers": "sensorimotor",
            "pathology": "axonal",
            "severity": "moderate",
            "chronicity": "chronic_active",
        }
    ],
)

case(
    "polyneuropathy_sensory",
    "Mild length-dependent sensory axonal PN: low sural and SP SNAPs only",
    study(
        "polyneuropathy_sensory",
        age=50,
        sex="female",
        indication="Numb toes on both feet",
        ncs=[
            sural("right", amp=3),
            sural("left", amp=3.5),
            superficial_peroneal("right", amp=4),
            peroneal_motor("right"),
            tibial_motor("right"),
            median_sensory("right"),
            ulnar_sensory("right"),
        ],
        emg_=emg("right", "normal", "TA", "gastrocnemius_medial", "FDI"),
    ),
    [{"code": "polyneuropathy", "fibers": "sensory", "pathology": "axonal", "severity": "mild"}],
)

case(
    "polyneuropathy_demyelinating",
    "Acquired demyelinating sensorimotor PN (CIDP pattern), sural sparing",
    study(
        "polyneuropathy_demyelinating",
        age=58,
        sex="male",
        indication="Progressive weakness and numbness for 4 months",
        ncs=[
            median_motor("right", dml=7.2, amp=5.0, elbow_lat=14.87, elbow_amp=2.0),
            ulnar_motor("right", dml=5.0, amp=6.5, be_lat=11.88, be_amp=6.0, ae_lat=15.21, ae_amp=5.8),
            f_wave("median", "right", 45.0),
            f_wave("ulnar", "right", 46.0),
            peroneal_motor("right", dml=8.0, amp=2.5, bfh_lat=18.71, afh_lat=20.9),
            tibial_motor("right", dml=9.0, amp=4.5, pop_lat=22.33),
            median_sensory("right", peak=4.5, amp=10),
            ulnar_sensory("right", amp=8),
            sural("right", amp=12),
        ],
        emg_=emg("right", "chronic", "TA") + emg("right", "normal", "FDI", "vastus_lateralis", "deltoid"),
    ),
    [{"code": "polyneuropathy", "fibers": "sensorimotor", "pathology": "demyelinating"}],
)

case(
    "polyneuropathy_mixed",
    "Sensorimotor PN with axonal loss and demyelinating-range slowing in one nerve",
    study(
        "polyneuropathy_mixed",
        age=66,
        sex="male",
        indication="Numb feet and hands, falls",
        ncs=[
            sural("right", absent=True),
            sural("left", absent=True),
            superficial_peroneal("right", absent=True),
            peroneal_motor("right", dml=5.5, amp=0.8, bfh_lat=16.21, afh_lat=18.2),
            tibial_motor("right", dml=5.0, amp=1.5, pop_lat=15.53),
            median_motor("right"),
            ulnar_motor("right"),
            median_sensory("right", amp=12),
            ulnar_sensory("right", amp=8),
        ],
        emg_=emg("right", "active", "TA", "gastrocnemius_medial")
        + emg("right", "normal", "vastus_lateralis", "FDI"),
    ),
    [{"code": "polyneuropathy", "fibers": "sensorimotor", "pathology": "mixed", "severity": "severe"}],
)

case(
    "multifocal_motor_demyelination",
    "Motor conduction block in two arm nerves at non-entrapment sites, SNAPs normal",
    study(
        "multifocal_motor_demyelination",
        age=45,
        sex="male",
        indication="Asymmetric painless hand weakness, cramps",
        ncs=replace(
            upper_normal("right"),
            median_motor("right", amp=8.0, elbow_amp=2.5),
            ulnar_motor("right", amp=9.0, be_amp=2.8),
        ),
        emg_=emg("right", "chronic", "FDI") + emg("right", "normal", "APB", "biceps", "deltoid"),
    ),
    [{"code": "polyneuropathy", "fibers": "motor", "pathology": "demyelinating"}],
)

case(
    "polyneuropathy_with_cts",
    "Axonal PN with arm involvement plus a disproportionate right median (CTS)",
    study(
        "polyneuropathy_with_cts",
        age=60,
        sex="female",
        indication="Numb feet; right hand numb at night",
        ncs=_LEGS_AXONAL[:6]
        + [
            median_motor("right", dml=5.0),
            ulnar_motor("right"),
            median_sensory("right", peak=4.3, amp=8),
            ulnar_sensory("right", amp=8),
            sensory("median", "right", "digit_4", "wrist", 140, 3.9, 10),
            sensory("ulnar", "right", "digit_4", "wrist", 140, 3.0, 9),
        ],
        emg_=emg("right", "active", "TA")
        + emg("right", "chronic", "gastrocnemius_medial")
        + emg("right", "normal", "APB", "FDI", "vastus_lateralis"),
    ),
    [
        {"code": "polyneuropathy", "fibers": "sensorimotor", "pathology": "axonal", "severity": "severe"},
        {"code": "median_neuropathy_wrist", "side": "right", "severity": "moderate"},
    ],
)

# --- motor neuron disease and its mimics ---------------------------------------------------------------

_MND_MUSCLES = (
    "genioglossus",
    "FDI",
    "biceps",
    "triceps",
    "cervical_paraspinals",
    "thoracic_paraspinals",
    "TA",
    "vastus_lateralis",
    "gastrocnemius_medial",
)

case(
    "als_four_regions",
    "ALS: active + chronic denervation with fasciculations in four regions, SNAPs normal",
    study(
        "als_four_regions",
        age=63,
        sex="male",
        indication="Progressive painless weakness and wasting, cramps",
        ncs=replace(upper_normal("right"), median_motor("right", amp=2.5), ulnar_motor("right", amp=3.5))
        + replace(lower_normal("right"), peroneal_motor("right", amp=1.0)),
        emg_=emg("right", "mnd", *_MND_MUSCLES),
    ),
    [{"code": "motor_neuron_disease", "chronicity": "chronic_active"}],
)

case(
    "mnd_awaji_fasciculations",
    "MND by Awaji: fasciculations with chronic change count as active denervation",
    study(
        "mnd_awaji_fasciculations",
        age=58,
        sex="female",
        indication="Weakness of both hands and legs, twitching",
        ncs=upper_normal("left") + lower_normal("left"),
        emg_=emg(
            "left", "mnd_fasc", "FDI", "biceps", "triceps", "TA", "gastrocnemius_medial", "vastus_lateralis"
        )
        + emg("left", "mnd", "thoracic_paraspinals"),
    ),
    [{"code": "motor_neuron_disease"}],
)

case(
    "multilevel_radiculopathy",
    "Right C7 and left L5 radiculopathies: two regions but segmental (not MND)",
    study(
        "multilevel_radiculopathy",
        age=66,
        sex="male",
        indication="Neck and low back pain with arm and leg radiation",
        ncs=upper_normal("right") + lower_normal("left"),
        emg_=emg("right", "active", "triceps", "FCR", "cervical_paraspinals")
        + emg("right", "normal", "deltoid", "biceps", "FDI", "APB")
        + emg("left", "active", "TA", "tibialis_posterior", "gluteus_medius", "lumbosacral_paraspinals")
        + emg("left", "normal", "gastrocnemius_medial", "vastus_lateralis"),
    ),
    [
        {"code": "cervical_radiculopathy", "side": "right", "root": "C7"},
        {"code": "lumbosacral_radiculopathy", "side": "left", "root": "L5"},
    ],
    limitations_contain=["motor neuron disease not excluded"],
)

# --- myopathy and neuromuscular junction ---------------------------------------------------------------

case(
    "myopathy",
    "Proximal myopathy, not irritable; RNS normal",
    study(
        "myopathy",
        age=52,
        sex="female",
        indication="Difficulty climbing stairs and lifting the arms",
        ncs=upper_normal("right") + lower_normal("right") + [rns("ulnar", "right", "ADM", "wrist", 4)],
        emg_=emg("right", "myopathic", "deltoid", "biceps", "iliopsoas", "vastus_lateralis")
        + emg("right", "normal", "FDI", "TA"),
    ),
    [{"code": "myopathy", "irritable": False}],
)

case(
    "myopathy_irritable",
    "Irritable (inflammatory) proximal myopathy",
    study(
        "myopathy_irritable",
        age=47,
        sex="female",
        indication="Proximal weakness with raised creatine kinase",
        ncs=upper_normal("right") + lower_normal("right"),
        emg_=emg("right", "myopathic_irritable", "deltoid", "biceps", "iliopsoas", "vastus_lateralis")
        + emg("right", "normal", "FDI", "TA"),
    ),
    [{"code": "myopathy", "irritable": True}],
)

case(
    "myasthenia_gravis",
    "Postsynaptic NMJ: 22-30% decrement at 3 Hz, normal CMAPs and needle",
    study(
        "myasthenia_gravis",
        age=34,
        sex="female",
        indication="Fluctuating ptosis, diplopia and fatigable arms",
        ncs=upper_normal("right")
        + [
            rns("ulnar", "right", "ADM", "wrist", 22),
            rns("spinal_accessory", "right", "trapezius", "neck", 30),
        ],
        emg_=emg("right", "normal", "deltoid", "biceps", "FDI"),
    ),
    [{"code": "nmj_postsynaptic"}],
)

case(
    "lambert_eaton",
    "Presynaptic NMJ: low CMAPs, normal SNAPs, 180% increment after exercise",
    study(
        "lambert_eaton",
        age=59,
        sex="male",
        indication="Proximal leg weakness, dry mouth; smoker",
        ncs=replace(upper_normal("right"), median_motor("right", amp=1.8), ulnar_motor("right", amp=2.2))
        + replace(lower_normal("right"), peroneal_motor("right", amp=0.9), tibial_motor("right", amp=2.0))
        + [rns("ulnar", "right", "ADM", "wrist", 18, increment=180)],
        emg_=emg("right", "normal", "deltoid", "vastus_lateralis", "FDI"),
    ),
    [{"code": "nmj_presynaptic"}],
)

case(
    "low_cmaps_no_increment",
    "Low CMAPs, normal SNAPs and needle, no decrement or increment: no pattern",
    study(
        "low_cmaps_no_increment",
        age=61,
        sex="male",
        indication="Generalized weakness",
        ncs=replace(upper_normal("right"), median_motor("right", amp=1.8), ulnar_motor("right", amp=2.2))
        + replace(lower_normal("right"), peroneal_motor("right", amp=0.9), tibial_motor("right", amp=2.0))
        + [rns("ulnar", "right", "ADM", "wrist", 3, increment=25)],
        emg_=emg("right", "normal", "deltoid", "vastus_lateralis", "FDI", "TA"),
    ),
    [],
    statement_contains="fit no recognised pattern",
)

case(
    "decrement_with_low_cmap",
    "Decrement with a low resting CMAP and no exercise test: presynaptic not excluded",
    study(
        "decrement_with_low_cmap",
        age=64,
        sex="male",
        indication="Fatigable weakness",
        ncs=replace(upper_normal("right"), ulnar_motor("right", amp=3.0))
        + [rns("ulnar", "right", "ADM", "wrist", 20)],
        emg_=emg("right", "normal", "deltoid", "FDI"),
    ),
    [],
    limitations_contain=["presynaptic disorder is not excluded"],
)

# --- no pattern ---------------------------------------------------------------------------------------

case(
    "isolated_fibrillations",
    "Isolated 1+ fibrillations in one muscle: abnormal but fits no pattern",
    study(
        "isolated_fibrillations",
        age=40,
        sex="male",
        indication="Right leg cramps",
        ncs=lower_normal("right"),
        emg_=emg("right", "fib1", "TA")
        + emg(
            "right",
            "normal",
            "gastrocnemius_medial",
            "vastus_lateralis",
            "tibialis_posterior",
            "lumbosacral_paraspinals",
        ),
    ),
    [],
    statement_contains="fit no recognised pattern",
)
