"""Checks of a FHIR bundle beyond its structure: :func:`validate_fhir`.

fhir.resources (``R4B``) parses structure and datatypes but accepts any string as a code; these checks
add the codes themselves (statuses, UCUM units, interpretation, HL7/LOINC codes), value[x] /
dataAbsentReason exclusivity, reference resolution inside the bundle, the content hash of a signed
report and the attached PDF.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import uuid
from collections.abc import Iterator
from typing import Any

from edxkit.report.fhir.codes import (
    CATEGORY_CODES,
    DATA_ABSENT,
    DATA_ABSENT_CODES,
    DIAGNOSTIC_REPORT_STATUSES,
    EDX_MEASURE,
    EDX_STUDY,
    EXT_CONTENT_HASH,
    FIELD_SUFFIX_UCUM,
    GENDERS,
    INTERPRETATION,
    INTERPRETATION_CODES,
    LOINC,
    LOINC_CODES,
    OBSERVATION_CATEGORY,
    OBSERVATION_STATUSES,
    RATIO_UNIT,
    STUDY_KINDS,
    UCUM,
    UCUM_CODES,
    UCUM_EMITTED,
    V2_0074,
    V2_0074_CODES,
)

_FIELD_CODE = re.compile(r"^[a-z][a-z0-9_]*$")


def validate_fhir(bundle: dict[str, Any], *, pdf: bytes | None = None) -> list[str]:
    """Problems with a bundle (empty list: valid).

    Structure and datatypes are checked by parsing with ``fhir.resources.R4B`` (FHIR 4.3, R4-compatible for
    these resources). Because fhir.resources accepts any string as a code, this also checks the codes
    themselves: statuses, UCUM units (system, the codes this module emits, the unit a field's name
    implies, reference-range units equal to the value's), interpretation codes and their consistency with
    the reference range, HL7/LOINC codes against the codes used here, value[x] / dataAbsentReason
    exclusivity, that every ``urn:uuid`` reference resolves inside the bundle and that DiagnosticReport
    lists every Observation, the content hash of a signed report, and the attached PDF (base64, size,
    SHA-1 hash, and equality with ``pdf`` when given).
    """
    problems = _structure_problems(bundle)
    entries = bundle.get("entry") or []
    if bundle.get("resourceType") != "Bundle" or bundle.get("type") not in ("collection", "document"):
        problems.append("not a Bundle of type collection or document")
    urls, url_problems = _full_urls(entries)
    problems += url_problems
    for i, entry in enumerate(entries):
        problems += _entry_problems(i, entry.get("resource") or {}, urls, pdf)
    reports = [r for r in urls.values() if r.get("resourceType") == "DiagnosticReport"]
    if len(reports) != 1:
        problems.append(f"expected one DiagnosticReport, found {len(reports)}")
    return problems


def _full_urls(entries: list[dict[str, Any]]) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """The entries' resources by full URL, and the problems with those URLs (urn:uuid, unique, = id)."""
    problems = []
    urls: dict[str, dict[str, Any]] = {}
    for i, entry in enumerate(entries):
        url, resource = entry.get("fullUrl", ""), entry.get("resource") or {}
        if not _is_uuid_url(url):
            problems.append(f"entry {i}: fullUrl {url!r} is not a urn:uuid")
        elif url in urls:
            problems.append(f"entry {i}: duplicate fullUrl {url}")
        elif resource.get("id") and url != f"urn:uuid:{resource['id']}":
            problems.append(f"entry {i}: id {resource.get('id')} differs from fullUrl {url}")
        urls[url] = resource
    return urls, problems


def _entry_problems(
    i: int, resource: dict[str, Any], urls: dict[str, dict[str, Any]], pdf: bytes | None
) -> list[str]:
    """Problems with the resource of entry ``i``: its references, codes and resource-specific rules."""
    problems = []
    where = f"entry {i} ({resource.get('resourceType')})"
    for path, reference in _references(resource):
        if reference.startswith("urn:uuid:") and reference not in urls:
            problems.append(f"{where}: {path} refers to {reference}, which is not in the bundle")
        elif not reference.startswith("urn:uuid:"):
            problems.append(f"{where}: {path} is not a urn:uuid reference: {reference}")
    problems += [f"{where}: {p}" for p in _coding_problems(resource)]
    kind = resource.get("resourceType")
    if kind == "Observation":
        problems += [f"{where}: {p}" for p in _observation_problems(resource)]
    elif kind == "DiagnosticReport":
        problems += [f"{where}: {p}" for p in _report_problems(resource, urls, pdf)]
    elif kind == "Patient" and resource.get("gender", "unknown") not in GENDERS:
        problems.append(f"{where}: gender {resource.get('gender')!r} is not an administrative gender")
    return problems


def _structure_problems(bundle: dict[str, Any]) -> list[str]:
    """Structure and datatype problems found by parsing with ``fhir.resources.R4B``."""
    from fhir.resources.R4B.bundle import Bundle
    from pydantic import ValidationError

    try:
        Bundle.model_validate(bundle)
    except ValidationError as error:
        return [f"fhir.resources R4B: {e['loc']}: {e['msg']}" for e in error.errors()]
    except (TypeError, ValueError, KeyError) as error:  # fhir_core raises these for unknown resource types
        return [f"fhir.resources R4B: {error}"]
    return []


def _is_uuid_url(url: str) -> bool:
    """Whether ``url`` is ``urn:uuid:`` followed by a UUID."""
    if not url.startswith("urn:uuid:"):
        return False
    try:
        uuid.UUID(url[len("urn:uuid:") :])
    except ValueError:
        return False
    return True


def _references(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every ``reference`` string in a resource, with its path."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                yield path or key, value
            else:
                yield from _references(value, f"{path}.{key}" if path else key)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _references(item, f"{path}[{i}]")


def _codings(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every Coding (a ``system`` and ``code`` without a ``value``) in a resource, with its path."""
    if isinstance(node, dict):
        if "system" in node and "code" in node and "value" not in node:
            yield path, node
        for key, value in node.items():
            yield from _codings(value, f"{path}.{key}" if path else key)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _codings(item, f"{path}[{i}]")


_KNOWN_CODES: dict[str, dict[str, str] | frozenset[str]] = {
    LOINC: LOINC_CODES,
    V2_0074: V2_0074_CODES,
    OBSERVATION_CATEGORY: CATEGORY_CODES,
    INTERPRETATION: INTERPRETATION_CODES,
    DATA_ABSENT: DATA_ABSENT_CODES,
    EDX_STUDY: frozenset(STUDY_KINDS),
}


def _coding_problems(resource: dict[str, Any]) -> list[str]:
    """Codes that are not FHIR codes, unknown to their system, wrongly displayed, or bad field names."""
    problems = []
    for path, coding in _codings(resource):
        system, code = coding.get("system"), coding.get("code")
        if not isinstance(code, str) or not code or code != code.strip() or "  " in code:
            problems.append(f"{path}: code {code!r} is not a FHIR code")
            continue
        known = _KNOWN_CODES.get(str(system))
        if known is not None and code not in known:
            problems.append(f"{path}: {code!r} is not a code of {system}")
        elif isinstance(known, dict) and coding.get("display") not in (None, known[code]):
            problems.append(f"{path}: display {coding.get('display')!r} is not {known[code]!r} for {code}")
        if system == EDX_MEASURE and not _FIELD_CODE.match(code):
            problems.append(f"{path}: {code!r} is not a result field name")
    return problems


def _expected_ucum(field: str) -> str | None:
    """The UCUM code a result field's name implies (its unit suffix), if any."""
    return next((ucum for suffix, ucum in FIELD_SUFFIX_UCUM if field.endswith(suffix)), None)


def _unit_code(unit: Any) -> str | None:
    """The UCUM code of a human-readable unit (the UCUM code itself is accepted as its own unit)."""
    if unit == RATIO_UNIT:
        return "1"
    if isinstance(unit, str) and unit in UCUM_EMITTED:
        return unit
    return UCUM_CODES.get(unit) if isinstance(unit, str) else None


def _quantity_problems(quantity: dict[str, Any], path: str) -> list[str]:
    """A Quantity not in UCUM, with a code this module does not emit, a mismatched unit or no number."""
    problems = []
    if quantity.get("system") != UCUM:
        problems.append(f"{path}: system {quantity.get('system')!r} is not UCUM ({UCUM})")
    if quantity.get("code") not in UCUM_EMITTED:
        problems.append(f"{path}: UCUM code {quantity.get('code')!r} is not one of {sorted(UCUM_EMITTED)}")
    elif _unit_code(quantity.get("unit")) != quantity["code"]:
        problems.append(f"{path}: unit {quantity.get('unit')!r} does not match code {quantity['code']!r}")
    if not isinstance(quantity.get("value"), int | float) or isinstance(quantity.get("value"), bool):
        problems.append(f"{path}: value {quantity.get('value')!r} is not a number")
    return problems


def _observation_problems(obs: dict[str, Any]) -> list[str]:
    """Observation status, value[x] / dataAbsentReason, units, reference ranges and interpretation."""
    problems = []
    if obs.get("status") not in OBSERVATION_STATUSES:
        problems.append(f"status {obs.get('status')!r} is not an Observation status")
    values = [k for k in obs if k.startswith("value")]
    if len(values) > 1 or (values and "dataAbsentReason" in obs):
        problems.append(f"value[x] and dataAbsentReason are exclusive (obs-6): {values}")
    if not values and "dataAbsentReason" not in obs:
        problems.append("neither a value nor a dataAbsentReason")
    field = next(
        (c.get("code") for c in obs.get("code", {}).get("coding", []) if c.get("system") == EDX_MEASURE), None
    )
    quantity = obs.get("valueQuantity")
    if quantity is not None:
        problems += _quantity_problems(quantity, "valueQuantity")
        expected = _expected_ucum(str(field or ""))
        if expected and quantity.get("code") != expected:
            problems.append(f"{field} is measured in {expected}, not {quantity.get('code')!r}")
    ranges = obs.get("referenceRange") or []
    problems += _range_problems(ranges, quantity)
    problems += _interpretation_problems(obs, ranges)
    return problems


def _range_problems(ranges: list[dict[str, Any]], quantity: dict[str, Any] | None) -> list[str]:
    """Reference-range limits: valid UCUM quantities in the value's unit; each range says something."""
    problems = []
    for i, rng in enumerate(ranges):
        for bound in ("low", "high"):
            if bound in rng:
                problems += _quantity_problems(rng[bound], f"referenceRange[{i}].{bound}")
                if quantity is not None and rng[bound].get("code") != quantity.get("code"):
                    problems.append(f"referenceRange[{i}].{bound} unit differs from the value's")
        if not ({"low", "high", "text"} & set(rng)):
            problems.append(f"referenceRange[{i}] has no low, high or text (obs-3)")
    return problems


def _interpretation_problems(obs: dict[str, Any], ranges: list[dict[str, Any]]) -> list[str]:
    """H and L interpretations need the reference range's high and low limit."""
    problems = []
    codes = [
        c.get("code")
        for concept in obs.get("interpretation") or []
        for c in concept.get("coding", [])
        if c.get("system") == INTERPRETATION
    ]
    for code in codes:
        needed = {"H": "high", "L": "low"}.get(str(code))
        if needed and not any(needed in r for r in ranges):
            problems.append(f"interpretation {code} without a reference range {needed} limit")
    return problems


def _report_problems(report: dict[str, Any], urls: dict[str, dict[str, Any]], pdf: bytes | None) -> list[str]:
    """DiagnosticReport status, results, subject, content hash and attached PDF."""
    problems = []
    status = report.get("status")
    if status not in DIAGNOSTIC_REPORT_STATUSES:
        problems.append(f"status {status!r} is not a DiagnosticReport status")
    results = {r.get("reference") for r in report.get("result") or []}
    observations = {u for u, r in urls.items() if r.get("resourceType") == "Observation"}
    if results != observations:
        problems.append(
            f"result lists {len(results)} observations, the bundle holds {len(observations)}: "
            f"{len(results - observations)} missing, {len(observations - results)} not listed"
        )
    for url in observations:
        obs_status = urls[url].get("status")
        if (status == "preliminary") != (obs_status == "preliminary"):
            problems.append(f"observation {url} is {obs_status} in a {status} report")
            break
    subject = (report.get("subject") or {}).get("reference")
    if urls.get(str(subject), {}).get("resourceType") != "Patient":
        problems.append("subject is not the bundle's Patient")
    hashes = [e for e in report.get("extension") or [] if e.get("url") == EXT_CONTENT_HASH]
    if status in ("final", "amended"):
        if len(hashes) != 1 or not re.fullmatch(r"sha256:[0-9a-f]{64}", str(hashes[0].get("valueString"))):
            problems.append("a signed report must carry one sha256 content hash extension")
    elif hashes:
        problems.append(f"a {status} report carries a content hash")
    for i, form in enumerate(report.get("presentedForm") or []):
        problems += [f"presentedForm[{i}]: {p}" for p in _attachment_problems(form, pdf)]
    if pdf is not None and not report.get("presentedForm"):
        problems.append("the PDF is not attached as presentedForm")
    return problems


def _attachment_problems(form: dict[str, Any], pdf: bytes | None) -> list[str]:
    """The attached PDF: content type, base64 data, size, SHA-1 hash and equality with ``pdf``."""
    problems = []
    if form.get("contentType") != "application/pdf":
        problems.append(f"contentType {form.get('contentType')!r} is not application/pdf")
    try:
        data = base64.b64decode(str(form.get("data", "")), validate=True)
    except (binascii.Error, ValueError):
        return [*problems, "data is not base64"]
    if not data.startswith(b"%PDF-"):
        problems.append("data is not a PDF")
    if form.get("size") != len(data):
        problems.append(f"size {form.get('size')} differs from the data's {len(data)} bytes")
    if form.get("hash") != base64.b64encode(hashlib.sha1(data).digest()).decode("ascii"):
        problems.append("hash is not the base64 SHA-1 of the data")
    if pdf is not None and data != pdf:
        problems.append("data differs from the given PDF")
    return problems
