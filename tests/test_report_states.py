"""Report states: a draft can change, a signed report cannot; addenda chain their hashes; tampering shows."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from edxkit.report.files import load_report, report_json
from edxkit.report.model import Report
from edxkit.report.states import (
    ReportStateError,
    add_addendum,
    content_hash,
    set_impression,
    sign,
    verify,
)

from report_samples import example_report

SIGNED_AT = dt.datetime(2026, 11, 27, 16, 0, tzinfo=dt.UTC)


def _signed() -> Report:
    return sign(example_report(), signer="Dr B. Examiner", time=SIGNED_AT)


def test_draft_impression_can_be_edited_and_is_marked_edited() -> None:
    draft = example_report()
    edited = set_impression(draft, "Moderate right carpal tunnel syndrome. Correlate clinically.")
    assert edited.impression.edited
    assert edited.impression.text.startswith("Moderate right carpal tunnel")
    assert edited.impression.statement == draft.impression.statement
    assert not draft.impression.edited  # the original draft object is untouched


def test_setting_the_generated_statement_again_is_not_an_edit() -> None:
    draft = example_report()
    assert not set_impression(draft, draft.impression.statement).impression.edited


def test_signing_records_signer_time_and_sha256_of_the_content() -> None:
    signed = _signed()
    assert signed.signature.state == "signed"
    assert signed.signature.signed_by == "Dr B. Examiner"
    assert signed.signature.signed_at == SIGNED_AT
    assert signed.signature.content_hash == content_hash(example_report())
    assert len(signed.signature.content_hash or "") == 64
    assert verify(signed) == []


def test_signed_report_cannot_be_edited_or_signed_again() -> None:
    signed = _signed()
    with pytest.raises(ReportStateError, match="cannot be changed"):
        set_impression(signed, "Normal study.")
    with pytest.raises(ReportStateError, match="cannot be changed"):
        sign(signed, signer="Dr C")


def test_signing_needs_a_name_and_a_zoned_time() -> None:
    with pytest.raises(ReportStateError, match="name"):
        sign(example_report(), signer="  ")
    with pytest.raises(ReportStateError, match="time zone"):
        sign(example_report(), signer="Dr B", time=dt.datetime(2026, 11, 27, 16, 0))


def test_changing_a_value_after_signing_fails_verification() -> None:
    signed = _signed()
    tampered = signed.model_copy(deep=True)
    tampered.motor[0].sites.rows[0].cells[1].text = "3.90"
    assert any("changed after signing" in p for p in verify(tampered))


def test_addendum_moves_the_report_to_amended_and_keeps_the_content_hash() -> None:
    signed = _signed()
    first = add_addendum(signed, text="Ulnar sensory repeated: normal.", author="Dr B", time=SIGNED_AT)
    second = add_addendum(first, text="Copy sent to the surgeon.", author="Dr B", time=SIGNED_AT)
    assert second.signature.state == "amended"
    assert second.signature.content_hash == signed.signature.content_hash
    assert [a.text for a in second.signature.addenda] == [
        "Ulnar sensory repeated: normal.",
        "Copy sent to the surgeon.",
    ]
    assert second.signature.addenda[0].content_hash != second.signature.addenda[1].content_hash
    assert verify(second) == []


def test_editing_an_earlier_addendum_breaks_the_chain() -> None:
    amended = add_addendum(
        add_addendum(_signed(), text="First.", author="Dr B", time=SIGNED_AT), text="Second.", author="Dr B"
    )
    tampered = amended.model_copy(deep=True)
    tampered.signature.addenda[0].text = "First, rewritten."
    assert any("addendum 2" in p for p in verify(tampered))


def test_draft_cannot_take_an_addendum() -> None:
    with pytest.raises(ReportStateError, match="draft"):
        add_addendum(example_report(), text="x", author="Dr B")


def test_report_json_round_trips_exactly() -> None:
    report = add_addendum(_signed(), text="Addendum.", author="Dr B", time=SIGNED_AT)
    again = Report.model_validate_json(report_json(report))
    assert again == report
    assert verify(again) == []


def test_cli_report_sign_addendum_and_tamper_check(tmp_path, edx) -> None:
    out = tmp_path / "report.json"
    result = edx("report", "examples/carpal_tunnel", "-o", out, "--no-figures")
    assert result.exit_code == 0, result.stderr
    assert json.loads(out.read_text())["signature"]["state"] == "draft"
    assert edx("sign", out, "--by", "Dr B. Examiner").exit_code == 0
    assert load_report(out).signature.state == "signed"
    refused = edx("report", out, "-o", tmp_path / "x.json", "--impression", "Normal.")
    assert refused.exit_code == 2
    assert "cannot be changed" in refused.stderr
    assert edx("addendum", out, "--by", "Dr B", "--text", "Seen again.").exit_code == 0
    data = json.loads(out.read_text())
    assert data["signature"]["state"] == "amended"
    data["summary"][0] = "Everything was normal."
    out.write_text(json.dumps(data))
    tampered = edx("report", out, "-o", tmp_path / "y.json")
    assert tampered.exit_code == 2
    assert "changed after signing" in tampered.stderr
    assert not (tmp_path / "y.json").exists()


def test_cli_report_rejects_an_unknown_output_format(tmp_path, edx) -> None:
    result = edx("report", "examples/carpal_tunnel", "-o", tmp_path / "report.docx")
    assert result.exit_code == 2
    assert "unknown report format" in result.stderr


def test_written_report_gets_ordinary_file_permissions(tmp_path) -> None:
    import os

    from edxkit.report.files import write_report

    path = write_report(example_report(), tmp_path / "report.json")
    mask = os.umask(0o022)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask
