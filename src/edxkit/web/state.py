"""What one app instance holds: the database, settings, templates and the analysis cache."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from fastapi.templating import Jinja2Templates

from edxkit.report.model import Report
from edxkit.store.db import Database
from edxkit.web.analysis import AnalysisCache
from edxkit.web.config import WebSettings
from edxkit.web.samples import TraceCache


class DraftCache:
    """Draft reports with figures by (study, study version, report row version); a few, newest kept."""

    def __init__(self, size: int = 8) -> None:
        self.size = size
        self._items: OrderedDict[tuple[int, int, int | None], Report] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[int, int, int | None]) -> Report | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: tuple[int, int, int | None], report: Report) -> None:
        with self._lock:
            self._items[key] = report
            while len(self._items) > self.size:
                self._items.popitem(last=False)


@dataclass(slots=True)
class AppState:
    db: Database
    settings: WebSettings
    templates: Jinja2Templates
    analyses: AnalysisCache
    traces: TraceCache
    drafts: DraftCache = field(default_factory=DraftCache)
