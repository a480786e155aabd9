"""The physician's report: one model (``edxkit.report/1``) rendered to HTML, PDF, FHIR R4 and JSON."""

from edxkit.report.build import build_report
from edxkit.report.model import REPORT_SCHEMA, Report

__all__ = ["REPORT_SCHEMA", "Report", "build_report"]
