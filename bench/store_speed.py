"""Store speed: import of simulated studies and 1 M-sample waveform save/load, on SQLite and PostgreSQL.

Prints a markdown table. PostgreSQL runs when ``EDX_TEST_POSTGRES_URL`` names a database (``source
.ci/postgres.sh`` starts one), in a throw-away schema. The analysis of each imported study is timed from
its files and from the database (materialized), as a ratio: the baseline measured in the same run.

    python bench/store_speed.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import create_engine, select, text

from edxkit.analyze import analyze_study
from edxkit.io.study import load_study
from edxkit.simulate.study import NeedleSettings, simulate_study
from edxkit.store import auth, connect, create_user, import_study, materialized, sqlite_url
from edxkit.store.blobs import encode_samples
from edxkit.store.models import WaveformRow
from edxkit.store.studies import load_waveforms

STUDIES = (
    ("myasthenia_gravis", NeedleSettings(fs_hz=10000.0, rest_s=0.3, minimal_s=0.3, minimal_sites=1)),
    ("carpal_tunnel_moderate", NeedleSettings(fs_hz=20000.0, rest_s=2.0, minimal_s=2.0, minimal_sites=2)),
)


def _seconds(fn: Any) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _imports(db: Any, tech: Any, folders: dict[str, Path], backend: str) -> list[str]:
    rows = []
    for name, folder in folders.items():
        start = time.perf_counter()
        with db.transaction() as s:
            study = import_study(s, tech, folder)
            study_id, n_waves = study.id, len(study.waveforms)
            n_samples = sum(w.n_samples for w in study.waveforms)
        imported = time.perf_counter() - start
        with db.sessions() as s:
            loaded = _seconds(lambda s=s, i=study_id: load_waveforms(s, i))
        from_files = _seconds(lambda f=folder: analyze_study(load_study(f)))
        with db.sessions() as s, materialized(s, study_id) as stored:
            from_db = _seconds(lambda st=stored: analyze_study(st))
        rows.append(
            f"| {backend} | import {name}: {n_waves} waveforms, {n_samples / 1e6:.2f} M samples "
            f"| {imported * 1000:.0f} ms | load all {loaded * 1000:.0f} ms "
            f"| from files {from_files:.2f} s, from DB {from_db:.2f} s (×{from_db / from_files:.2f}) |"
        )
    return rows


def _million(db: Any, backend: str, repeats: int) -> list[str]:
    samples = np.random.default_rng(1).normal(0.0, 50.0, 1_000_000)
    rows = []
    for precision in ("exact", "float32"):
        save, load = [], []
        for i in range(repeats):
            with db.sessions() as s:
                model = s.scalars(select(WaveformRow).limit(1)).one()
                columns = {
                    c.key: getattr(model, c.key)
                    for c in WaveformRow.__table__.columns
                    if c.key not in ("id", "samples")
                }
                start = time.perf_counter()
                data, dtype = encode_samples(samples, precision=precision)
                ref = f"bench-{precision}-{i}"
                row = WaveformRow(
                    **{**columns, "ref": ref, "samples": data, "dtype": dtype, "n_samples": 1_000_000}
                )
                s.add(row)
                s.commit()
                save.append(time.perf_counter() - start)
                study_id = row.study_id
            with db.sessions() as s:
                load.append(_seconds(lambda s=s, r=ref, i=study_id: load_waveforms(s, i, ref=r)))
        rows.append(
            f"| {backend} | 1 M samples, {precision} ({len(data) / 1e6:.0f} MB) "
            f"| save+commit median {np.median(save) * 1000:.1f} ms (min {min(save) * 1000:.1f}) "
            f"| load median {np.median(load) * 1000:.1f} ms (min {min(load) * 1000:.1f}) | |"
        )
    return rows


def run(backend: str, url: str, folders: dict[str, Path], repeats: int, **engine: Any) -> list[str]:
    db = connect(url, **engine)
    try:
        with db.transaction() as s:
            admin = create_user(s, None, username="admin", password="bench-admin-pw", role="admin")
            tech = create_user(s, admin, username="tech", password="bench-tech-pw", role="technologist")
        return _imports(db, tech, folders, backend) + _million(db, backend, repeats)
    finally:
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    auth.configure_password_hashing(time_cost=1, memory_cost_kib=1024, parallelism=1)
    tmp = Path(tempfile.mkdtemp(prefix="edx-store-bench-"))
    try:
        folders = {}
        for name, needle in STUDIES:
            simulate_study(name, tmp / name, seed=1, needle=needle)
            folders[name] = tmp / name
        rows = run("SQLite", sqlite_url(tmp / "bench.db"), folders, args.repeats)
        postgres = os.environ.get("EDX_TEST_POSTGRES_URL")
        if postgres:
            schema = "bench_" + uuid.uuid4().hex[:8]
            admin_engine = create_engine(postgres)
            with admin_engine.begin() as c:
                c.execute(text(f"create schema {schema}"))
            try:
                options = {"connect_args": {"options": f"-csearch_path={schema}"}}
                rows += run("PostgreSQL", postgres, folders, args.repeats, **options)
            finally:
                with admin_engine.begin() as c:
                    c.execute(text(f"drop schema {schema} cascade"))
        else:
            rows.append("| PostgreSQL | skipped: set EDX_TEST_POSTGRES_URL (source .ci/postgres.sh) | | | |")
        print("| backend | what | save / import | load | analysis |\n|---|---|---|---|---|")
        print("\n".join(rows))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
