"""Glue between routes, the store and the analysis cache: analyse a stored study, store its values."""

from __future__ import annotations

import logging

from edxkit.store.auth import can
from edxkit.store.measurements import record_analysis
from edxkit.store.models import User
from edxkit.store.studies import get_study
from edxkit.web.analysis import Analysed, reanalyse_nerve, retabulate
from edxkit.web.state import AppState

log = logging.getLogger("edxkit.web")


def analysed(
    state: AppState,
    pk: int,
    version: int,
    actor: User,
    *,
    nerve_edited: int | None = None,
    previous_version: int | None = None,
) -> Analysed:
    """The analysis of study ``pk`` at ``version``; a new analysis's values are stored as measurements.

    ``nerve_edited`` (with ``previous_version``, the version the edit was made on) re-measures that nerve
    only, on top of the cached analysis of the previous version.
    """
    cache = state.analyses
    found = cache.peek(pk, version)
    if found is not None:
        return found
    with state.db.sessions() as session:
        if nerve_edited is not None and previous_version is not None:
            previous = cache.peek(pk, previous_version)
            item = cache.derive(session, pk, version, previous=previous, how=reanalyse_nerve(nerve_edited))
        else:
            item = cache.get(session, pk, version)
    _store_values(state, item, actor)
    return item


def refreshed(state: AppState, pk: int, version: int, actor: User, *, previous_version: int) -> Analysed:
    """The analysis at ``version`` after a change of entered findings only: interpreted again."""
    found = state.analyses.peek(pk, version)
    if found is not None:
        return found
    with state.db.sessions() as session:
        previous = state.analyses.peek(pk, previous_version)
        item = state.analyses.derive(session, pk, version, previous=previous, how=retabulate)
    _store_values(state, item, actor)
    return item


def _store_values(state: AppState, item: Analysed, actor: User) -> None:
    """Record the analysis's values (auto / edited / entered) in the measurements table.

    Skipped for a user whose role may not store analyses, and when the study changed meanwhile.
    """
    if not can(actor, "study.analyze"):
        return
    with state.db.transaction() as session:
        row = get_study(session, item.study_pk)
        if row.version == item.version:
            record_analysis(session, actor, item.study_pk, item.result.to_dict())
