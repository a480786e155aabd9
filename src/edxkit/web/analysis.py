"""Analysed studies for the pages: the study, its ``StudyResult`` and the draft report tables, cached.

Analysing a study with needle recordings takes seconds, so each analysis is kept in memory per study and
version (a small LRU). A marker moved on one nerve re-measures that nerve only
(:func:`edxkit.ncs.nerve.analyze_conduction`), puts it in place of the old nerve result, and runs the
interpretation and billing again over the whole result — the same functions ``analyze_study`` runs, so
the page shows what a full analysis would give.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy.orm import Session

from edxkit.analyze import StudyResult, analyze_study
from edxkit.coding import derive_billing
from edxkit.interpret import interpret
from edxkit.model import Study
from edxkit.ncs.nerve import NcsSettings, analyze_conduction
from edxkit.ncs.special import analyze_special
from edxkit.report.build import build_report
from edxkit.report.model import Report
from edxkit.store.studies import materialize


@dataclass(frozen=True, slots=True)
class Analysed:
    """One version of a study, analysed: ``study`` reads its waveforms from ``folder``."""

    study_pk: int
    version: int
    study: Study
    result: StudyResult
    report: Report
    folder: Path


class AnalysisCache:
    """Analyses by study, newest version only, at most ``size`` studies (least recently used dropped)."""

    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        self._items: OrderedDict[int, Analysed] = OrderedDict()
        self._lock = threading.Lock()
        self._study_locks: dict[int, threading.Lock] = {}
        self._root = Path(tempfile.mkdtemp(prefix="edxkit-web-"))

    def _study_lock(self, pk: int) -> threading.Lock:
        with self._lock:
            return self._study_locks.setdefault(pk, threading.Lock())

    def peek(self, pk: int, version: int) -> Analysed | None:
        with self._lock:
            item = self._items.get(pk)
            if item is not None and item.version == version:
                self._items.move_to_end(pk)
                return item
            return None

    def get(self, session: Session, pk: int, version: int) -> Analysed:
        """The analysis of study ``pk`` at ``version`` (analysed now if not cached)."""
        found = self.peek(pk, version)
        if found is not None:
            return found
        with self._study_lock(pk):
            found = self.peek(pk, version)
            if found is not None:
                return found
            folder = self._folder(pk, version)
            study = materialize(session, pk, folder)
            result = analyze_study(study)
            item = Analysed(pk, version, study, result, draft_report(study, result), folder)
            self._put(item)
            return item

    def derive(
        self,
        session: Session,
        pk: int,
        version: int,
        *,
        previous: Analysed | None,
        how: Callable[[Study, StudyResult], StudyResult],
    ) -> Analysed:
        """The analysis at ``version`` derived from the previous version's by ``how(study, result)``.

        Without the previous analysis at hand the whole study is analysed.
        """
        if previous is None:
            return self.get(session, pk, version)
        with self._study_lock(pk):
            folder = self._folder(pk, version)
            study = materialize(session, pk, folder)
            result = how(study, previous.result)
            item = Analysed(pk, version, study, result, draft_report(study, result), folder)
            self._put(item)
            return item

    def forget(self, pk: int) -> None:
        with self._lock:
            item = self._items.pop(pk, None)
        if item is not None:
            shutil.rmtree(item.folder, ignore_errors=True)

    def _folder(self, pk: int, version: int) -> Path:
        folder = self._root / f"study-{pk}-v{version}"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def _put(self, item: Analysed) -> None:
        dropped: list[Path] = []
        with self._lock:
            old = self._items.pop(item.study_pk, None)
            if old is not None and old.folder != item.folder:
                dropped.append(old.folder)
            self._items[item.study_pk] = item
            while len(self._items) > self.size:
                _, evicted = self._items.popitem(last=False)
                dropped.append(evicted.folder)
        for folder in dropped:
            shutil.rmtree(folder, ignore_errors=True)

    def close(self) -> None:
        shutil.rmtree(self._root, ignore_errors=True)


def reanalyse_nerve(nerve_index: int) -> Callable[[Study, StudyResult], StudyResult]:
    """``how`` for :meth:`AnalysisCache.derive`: measure nerve ``nerve_index`` again, then interpret."""

    def how(study: Study, previous: StudyResult) -> StudyResult:
        nerve = study.ncs[nerve_index]
        settings = NcsSettings()
        ncs = list(previous.ncs)
        if nerve.kind in ("motor", "sensory"):
            ncs[nerve_index] = analyze_conduction(study, nerve, settings)
        else:
            ncs[nerve_index] = analyze_special(study, nerve, settings)
        return retabulate(study, replace(previous, ncs=ncs))

    return how


def retabulate(study: Study, previous: StudyResult) -> StudyResult:
    """``previous`` interpreted and billed again for ``study`` (after entered findings changed)."""
    result = replace(previous, ncs=list(previous.ncs), warnings=list(previous.warnings))
    result.interpretation = interpret(study, result)
    result.billing = derive_billing(study)
    return result


def draft_report(study: Study, result: StudyResult) -> Report:
    """The report model of the analysis, without figures (the page draws the waveforms itself)."""
    return build_report(study, result, figures=False)
