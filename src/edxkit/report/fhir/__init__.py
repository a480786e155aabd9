"""FHIR R4 output of the report: a Bundle with the DiagnosticReport, its Observations and the PDF.

The bundle is a ``collection`` (not a ``document``): a FHIR document needs a Composition as its first
entry and is an attested, immutable unit in its own right, whereas the attested form of an edxkit report
is the signed report itself (content hash, signer, time) and its PDF, which travels as
``DiagnosticReport.presentedForm``. A collection of Patient, Practitioner(s), ServiceRequest (when a
referring physician is named), DiagnosticReport and Observations is what an EHR integrator posts as a
transaction after assigning server ids.

Contents, following the FHIR R4 DiagnosticReport and Observation resources (hl7.org/fhir/R4):

* **DiagnosticReport** — ``status`` from the report state (draft → ``preliminary``, signed → ``final``,
  amended → ``amended``); ``category`` HL7 v2 table 0074 ``EN`` "Electroneuro (EEG, EMG,EP,PSG)"
  (http://terminology.hl7.org/CodeSystem/v2-0074); ``code`` LOINC 18749-2 "Electromyogram study" when a
  needle examination was performed, else LOINC 27897-8 "Neuromuscular electrophysiology studies (set)"
  (both document codes of the HITSP C80 / FHIR ``c80-doc-typecodes`` and ``document-classcodes`` value
  sets), each with the local study code; ``conclusion`` the impression text (addenda appended, so an EHR
  that ignores extensions still shows them); ``conclusionCode`` one local code per impression item;
  ``presentedForm`` the PDF with its SHA-1 ``hash`` (base64, as FHIR ``Attachment.hash`` defines) and
  ``size``; the edxkit SHA-256 content hash and the addenda as extensions once signed.
* **Observation** — one per measured value and per needle finding of every report table (the EMG
  ``side`` column is context, not a result). ``code`` is the result field in the local code system
  ``edx-measure`` (``onset_latency_ms``: "Onset latency"); the code text, ``bodySite`` and
  ``component`` say which nerve or muscle, side, stimulation site or segment and recording site;
  ``method`` is the kind of study. Numbers are ``valueQuantity`` in UCUM (ms, mV, uV, m/s, %, Hz, mm,
  mV.ms; ``1`` for ratios), counts ``valueInteger``, yes/no findings ``valueBoolean``, graded needle
  findings ``valueCodeableConcept`` (local ``edx-finding`` code = the grade, ``2+``, ``reduced``), free
  lists ``valueString``. ``referenceRange`` carries the normal limit (``low`` for a minimum, ``high`` for
  a maximum, same unit, text with its source); ``interpretation`` is v3-ObservationInterpretation ``H`` /
  ``L`` (abnormal above a maximum / below a minimum), ``A`` (abnormal without direction), ``N`` (within
  a limit, or the normal finding).
* An absent response (``NR``) has no value: a latency or amplitude of a response that does not exist
  is not a number, so the Observation carries ``dataAbsentReason`` ``not-applicable`` ("there is no
  proper value for this element") with text "No response (NR)" — FHIR's mechanism for a missing value
  (obs-6: value[x] and dataAbsentReason are exclusive) rather than a string where numbers are expected;
  the interpretation still says L when the absent amplitude is abnormal.

Resource ids are UUID-5 of the patient, study and role (a nerve table row and field), so the same
report always gives the same bundle and a signed report updates the resources of its draft instead of
duplicating them; the bundle id also covers the state and hashes. FHIR R4 validation uses
``fhir.resources.R4B`` (FHIR 4.3.0; fhir.resources 8 has no R4 package and defaults to R5), whose
DiagnosticReport, Observation, Patient, Practitioner, ServiceRequest and Bundle match R4.
:func:`validate_fhir` adds the checks fhir.resources does not make (it accepts any code string).

Modules: :mod:`.codes` (code systems, UCUM and code tables), :mod:`.common` (ids, references, codings),
:mod:`.observations` (the Observation of each result cell), :mod:`.participants` (Patient,
Practitioners, ServiceRequest), :mod:`.diagnostic_report` (the DiagnosticReport and its PDF),
:mod:`.bundle` (:func:`to_fhir`, :func:`fhir_json`) and :mod:`.validate` (:func:`validate_fhir`).
"""

from edxkit.report.fhir.bundle import fhir_json, to_fhir
from edxkit.report.fhir.codes import (
    ABSENT_TEXT,
    BOOLEAN_FINDINGS,
    CATEGORY_CODES,
    CODED_FINDINGS,
    CONTEXT_FIELDS,
    COUNT_FIELDS,
    DATA_ABSENT,
    DATA_ABSENT_CODES,
    DIAGNOSTIC_REPORT_STATUSES,
    EDX,
    EDX_ANATOMY,
    EDX_CONTEXT,
    EDX_FINDING,
    EDX_IMPRESSION,
    EDX_MEASURE,
    EDX_STUDY,
    EXT_ADDENDUM,
    EXT_CONTENT_HASH,
    EXT_VALUE_SOURCE,
    GENDERS,
    INTERPRETATION,
    INTERPRETATION_CODES,
    LOINC,
    LOINC_CODES,
    OBSERVATION_CATEGORY,
    OBSERVATION_STATUSES,
    RATIO_UNIT,
    REPORT_STATUS,
    STUDY_KINDS,
    UCUM,
    UCUM_CODES,
    UCUM_EMITTED,
    V2_0074,
    V2_0074_CODES,
)
from edxkit.report.fhir.observations import is_observation_cell, observation_cells
from edxkit.report.fhir.validate import validate_fhir

__all__ = [
    "ABSENT_TEXT",
    "BOOLEAN_FINDINGS",
    "CATEGORY_CODES",
    "CODED_FINDINGS",
    "CONTEXT_FIELDS",
    "COUNT_FIELDS",
    "DATA_ABSENT",
    "DATA_ABSENT_CODES",
    "DIAGNOSTIC_REPORT_STATUSES",
    "EDX",
    "EDX_ANATOMY",
    "EDX_CONTEXT",
    "EDX_FINDING",
    "EDX_IMPRESSION",
    "EDX_MEASURE",
    "EDX_STUDY",
    "EXT_ADDENDUM",
    "EXT_CONTENT_HASH",
    "EXT_VALUE_SOURCE",
    "GENDERS",
    "INTERPRETATION",
    "INTERPRETATION_CODES",
    "LOINC",
    "LOINC_CODES",
    "OBSERVATION_CATEGORY",
    "OBSERVATION_STATUSES",
    "RATIO_UNIT",
    "REPORT_STATUS",
    "STUDY_KINDS",
    "UCUM",
    "UCUM_CODES",
    "UCUM_EMITTED",
    "V2_0074",
    "V2_0074_CODES",
    "fhir_json",
    "is_observation_cell",
    "observation_cells",
    "to_fhir",
    "validate_fhir",
]
