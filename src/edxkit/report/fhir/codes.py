"""Code systems and code tables of the FHIR output: URIs, the UCUM unit table, and the codes emitted.

The codes from external code systems (LOINC, HL7 v2-0074, observation-category,
v3-ObservationInterpretation, data-absent-reason) are listed with their displays and where they were
verified; :mod:`edxkit.report.fhir.validate` checks bundles against these tables.
"""

from __future__ import annotations

# --- code systems -------------------------------------------------------------------------------------
UCUM = "http://unitsofmeasure.org"
LOINC = "http://loinc.org"
V2_0074 = "http://terminology.hl7.org/CodeSystem/v2-0074"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
EDX = "https://edxkit.org/fhir"
EDX_MEASURE = f"{EDX}/CodeSystem/edx-measure"
EDX_FINDING = f"{EDX}/CodeSystem/edx-finding"
EDX_IMPRESSION = f"{EDX}/CodeSystem/edx-impression"
EDX_STUDY = f"{EDX}/CodeSystem/edx-study"
EDX_CONTEXT = f"{EDX}/CodeSystem/edx-context"
EDX_ANATOMY = f"{EDX}/CodeSystem/edx-anatomy"
EXT_CONTENT_HASH = f"{EDX}/StructureDefinition/content-hash"
EXT_ADDENDUM = f"{EDX}/StructureDefinition/addendum"
EXT_VALUE_SOURCE = f"{EDX}/StructureDefinition/value-source"

# Display unit of the report → UCUM code (UCUM: "u" is the micro prefix, "." multiplies, "1" is unity).
UCUM_CODES: dict[str | None, str] = {
    "ms": "ms",
    "mV": "mV",
    "µV": "uV",
    "μV": "uV",
    "m/s": "m/s",
    "%": "%",
    "Hz": "Hz",
    "mm": "mm",
    "mV·ms": "mV.ms",
    None: "1",
}
RATIO_UNIT = "ratio"  # the human-readable unit of a UCUM "1" quantity
UCUM_EMITTED = frozenset(UCUM_CODES.values())
# A field's name ends with its unit (result contract): the UCUM code a quantity of that field must carry.
FIELD_SUFFIX_UCUM = (
    ("_mv_ms", "mV.ms"),
    ("_m_s", "m/s"),
    ("_ms", "ms"),
    ("_mv", "mV"),
    ("_uv", "uV"),
    ("_pct", "%"),
    ("_hz", "Hz"),
    ("_mm", "mm"),
    ("_ratio", "1"),
)

# Codes this module emits from external code systems, with their displays. Where they were verified:
# - LOINC 18749-2 "Electromyogram study": FHIR value set http://hl7.org/fhir/ValueSet/c80-doc-typecodes
#   (HITSP C80 document types = LOINC codes with SCALE DOC; FHIR DSTU2 core package), listed beside
#   11523-8 "EEG study" and 11524-6 "EKG study"; LOINC has no separate nerve conduction report code there.
# - LOINC 27897-8 "Neuromuscular electrophysiology studies (set)": HITSP C80 document class codes
#   (FHIR value set document-classcodes).
# - v2-0074 EN "Electroneuro (EEG, EMG,EP,PSG)": https://hl7.org/fhir/DSTU1/v2/0074/index.html, R4 system
#   http://terminology.hl7.org/CodeSystem/v2-0074 (https://hl7.org/fhir/2018Dec/v2/0074/index.html).
# - observation-category "procedure" (its definition names electrodiagnostics):
#   https://hl7.org/fhir/R4b/codesystem-observation-category.xml.html
# - v3-ObservationInterpretation H, L, A, N; data-absent-reason codes:
#   https://www.hl7.org/fhir/R4/codesystem-data-absent-reason.html
LOINC_CODES = {"18749-2": "Electromyogram study", "27897-8": "Neuromuscular electrophysiology studies (set)"}
V2_0074_CODES = {"EN": "Electroneuro (EEG, EMG,EP,PSG)"}
CATEGORY_CODES = {"procedure": "Procedure"}
INTERPRETATION_CODES = {"H": "High", "L": "Low", "A": "Abnormal", "N": "Normal"}
DATA_ABSENT_CODES = frozenset(
    {
        "unknown",
        "asked-unknown",
        "temp-unknown",
        "not-asked",
        "asked-declined",
        "masked",
        "not-applicable",
        "unsupported",
        "as-text",
        "error",
        "not-a-number",
        "negative-infinity",
        "positive-infinity",
        "not-performed",
        "not-permitted",
    }
)
REPORT_STATUS = {"draft": "preliminary", "signed": "final", "amended": "amended"}
_COMMON_STATUSES = {"registered", "preliminary", "final", "amended", "corrected", "cancelled", "unknown"}
DIAGNOSTIC_REPORT_STATUSES = frozenset(_COMMON_STATUSES | {"partial", "appended", "entered-in-error"})
OBSERVATION_STATUSES = frozenset(_COMMON_STATUSES | {"entered-in-error"})
GENDERS = frozenset({"male", "female", "other", "unknown"})

STUDY_KINDS = {
    "motor": "Motor nerve conduction",
    "sensory": "Sensory nerve conduction",
    "f_wave": "F waves",
    "h_reflex": "H reflex",
    "rns": "Repetitive nerve stimulation",
    "needle_emg": "Needle electromyography",
    "edx": "Electrodiagnostic study",
}
# Title of a special (non-section) table of the report → the kind of study it holds.
SPECIAL_TABLES = {"F waves": "f_wave", "H reflex": "h_reflex", "Repetitive nerve stimulation": "rns"}
# Graded findings (a closed vocabulary) are coded; the free list of other discharges stays a string.
CODED_FINDINGS = frozenset(
    {
        "insertional",
        "fibrillations",
        "positive_sharp_waves",
        "fasciculations",
        "muap_amplitude",
        "muap_duration",
        "polyphasia",
        "recruitment",
        "interference",
        "classification",
    }
)
BOOLEAN_FINDINGS = frozenset({"conduction_block", "temporal_dispersion"})
COUNT_FIELDS = frozenset({"count"})
CONTEXT_FIELDS = frozenset({"side"})
ABSENT_TEXT = "NR"
