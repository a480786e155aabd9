"""Report states: draft → signed → amended, with content hashes that make a signed report tamper-evident.

A draft may change (the physician edits the impression). Signing fixes the content: the SHA-256 of the
report's canonical JSON without its signature block is stored with the signer and the time, and every
function here refuses to change a signed report. Corrections are addenda: each addendum records the hash
of the report and the addenda before it, so the chain shows that nothing earlier was altered. ``verify``
recomputes every hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from edxkit.report.model import Addendum, Report, Signature


class ReportStateError(ValueError):
    """An action the report's state does not allow (editing a signed report, signing twice, ...)."""


def canonical_content(report: Report) -> bytes:
    """The report's content without its signature block, as canonical JSON bytes (sorted keys, UTF-8)."""
    data = report.model_dump(mode="json", by_alias=True, exclude={"signature"})
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def content_hash(report: Report) -> str:
    """SHA-256 (hex) of :func:`canonical_content`."""
    return hashlib.sha256(canonical_content(report)).hexdigest()


def _chain_hash(report: Report, addenda: list[Addendum]) -> str:
    """SHA-256 of the content hash followed by each earlier addendum's canonical JSON."""
    digest = hashlib.sha256(content_hash(report).encode("ascii"))
    for addendum in addenda:
        digest.update(json.dumps(addendum.model_dump(mode="json"), sort_keys=True).encode("utf-8"))
    return digest.hexdigest()


def _now(time: dt.datetime | None) -> dt.datetime:
    when = time or dt.datetime.now(dt.UTC)
    if when.tzinfo is None:
        raise ReportStateError("signing time must carry a time zone")
    return when.replace(microsecond=0)


def ensure_draft(report: Report) -> None:
    """Raise :class:`ReportStateError` unless ``report`` is a draft (signed reports never change)."""
    if report.signature.state != "draft":
        raise ReportStateError(
            f"report is {report.signature.state} by {report.signature.signed_by}: it cannot be changed; "
            "add an addendum instead"
        )


def set_impression(report: Report, text: str) -> Report:
    """A copy of the draft with the physician's impression text (marked edited when it differs)."""
    ensure_draft(report)
    text = text.strip()
    if not text:
        raise ReportStateError("the impression cannot be empty")
    impression = report.impression.model_copy(
        update={"text": text, "edited": text != report.impression.statement.strip()}
    )
    return report.model_copy(update={"impression": impression})


def sign(report: Report, *, signer: str, time: dt.datetime | None = None) -> Report:
    """A signed copy of the draft ``report``: signer, time (UTC now by default) and content hash."""
    ensure_draft(report)
    if not signer.strip():
        raise ReportStateError("the signer's name is required to sign a report")
    signature = Signature(
        state="signed", signed_by=signer.strip(), signed_at=_now(time), content_hash=content_hash(report)
    )
    return report.model_copy(update={"signature": signature})


def add_addendum(report: Report, *, text: str, author: str, time: dt.datetime | None = None) -> Report:
    """A copy of the signed ``report`` with one more addendum; the report's content is unchanged."""
    if report.signature.state == "draft":
        raise ReportStateError("a draft has no addenda: edit it, then sign it")
    problems = verify(report)
    if problems:
        raise ReportStateError("report fails verification: " + "; ".join(problems))
    if not text.strip() or not author.strip():
        raise ReportStateError("an addendum needs its text and its author")
    addenda = list(report.signature.addenda)
    addendum = Addendum(
        text=text.strip(), author=author.strip(), time=_now(time), content_hash=_chain_hash(report, addenda)
    )
    signature = report.signature.model_copy(update={"state": "amended", "addenda": [*addenda, addendum]})
    return report.model_copy(update={"signature": signature})


def verify(report: Report) -> list[str]:
    """Problems with a signed report's hashes (empty list: intact, or a draft that has nothing to verify)."""
    sig = report.signature
    if sig.state == "draft":
        return [] if not sig.addenda and sig.content_hash is None else ["a draft carries signature data"]
    problems = []
    if not sig.signed_by or sig.signed_at is None:
        problems.append("signed report without signer or time")
    if sig.content_hash != content_hash(report):
        problems.append("content hash does not match: the report was changed after signing")
    if sig.state == "signed" and sig.addenda:
        problems.append("a report with addenda must be in state amended")
    if sig.state == "amended" and not sig.addenda:
        problems.append("an amended report has no addenda")
    for i, addendum in enumerate(sig.addenda):
        if addendum.content_hash != _chain_hash(report, sig.addenda[:i]):
            problems.append(
                f"addendum {i + 1} hash does not match: the report or an earlier addendum changed"
            )
    return problems
