"""Batch analysis (``edx batch``, :mod:`edxkit.batch`): discovery, error rows, tables, resume, executors."""

from __future__ import annotations

import os
import shutil
import socket
import warnings
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edxkit.batch import (
    BatchTables,
    Context,
    analyze_paths,
    discover,
    drop_timing,
    output_paths,
    run_batch,
    run_job,
)
from edxkit.batch.discover import CSV_SKIP_REASON
from edxkit.errors import EdxInputError
from edxkit.io import write_waveforms
from edxkit.simulate.emg import simulate_needle
from edxkit.simulate.study import NeedleSettings, simulate_study

from conftest import shared_data

FS_HZ = 10_000.0
PLANS = (
    ("minimal", "normal", {}),
    ("minimal", "neurogenic", {}),
    ("minimal", "myopathic", {}),
    ("rest", "neurogenic", {"fibrillation": "2+"}),
)


def write_recordings(folder: Path, n: int = len(PLANS), seconds: float = 1.0) -> list[Path]:
    """Tiny simulated needle recordings (EDF+, 10 kHz), seeded."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for k in range(n):
        condition, pathology, spont = PLANS[k % len(PLANS)]
        sim = simulate_needle(
            np.random.default_rng(100 + k),
            muscle="biceps_brachii",
            condition=condition,
            pathology=pathology,
            severity=0.6,
            spontaneous=spont,
            duration_s=seconds,
            fs_hz=FS_HZ,
        )
        path = folder / f"rec{k:02d}_{condition}_{pathology}.edf"
        write_waveforms(path, [sim.waveform])
        paths.append(path)
    return paths


def write_broken(folder: Path, good: Path) -> tuple[Path, Path]:
    """A truncated EDF (half its bytes) and a WFDB header that is not one."""
    data = good.read_bytes()
    truncated = folder / "broken_truncated.edf"
    truncated.write_bytes(data[: len(data) // 2])
    garbage = folder / "broken_garbage.hea"
    garbage.write_text("this is not a header\n\x00\x01 nonsense\n")
    return truncated, garbage


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """needle/ (4 recordings, 2 broken files, a CSV sweep, a hidden folder) and study/ (a simulated study)."""
    root = tmp_path_factory.mktemp("batch")
    good = write_recordings(root / "needle")
    write_broken(root / "needle", good[0])
    (root / "needle" / "sweep.csv").write_text("t_s,ch0_mV\n0,1.0\n0.001,2.0\n")
    (root / "needle" / ".cache").mkdir()
    shutil.copy(good[0], root / "needle" / ".cache" / "hidden.edf")
    (root / "needle" / "notes.txt").write_text("not a recording")
    needle = NeedleSettings(fs_hz=FS_HZ, rest_s=1.0, minimal_s=1.0, minimal_sites=1)
    simulate_study("myasthenia_gravis", root / "study", seed=3, needle=needle)
    return root


@pytest.fixture(scope="module")
def serial_tables(tree: Path) -> BatchTables:
    return analyze_paths([tree], workers=1, muscle="biceps", age_years=50.0)


def _this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _rows(table: pa.Table, **match: object) -> list[dict[str, object]]:
    return [r for r in table.to_pylist() if all(r[k] == v for k, v in match.items())]


def test_discovery_makes_one_job_per_study_folder_and_per_recording_and_skips_csv_with_the_reason(
    tree: Path,
) -> None:
    jobs = discover([tree], context=Context("biceps", 50.0, None))
    by_id = {j.id: j for j in jobs}
    assert by_id["study"].kind == "study"
    needle = {j.id for j in jobs if j.kind == "needle"}
    assert needle == {f"needle/{p.name}" for p in (tree / "needle").iterdir() if p.suffix in (".edf", ".hea")}
    assert len(needle) == 6  # 4 recordings + 2 broken; the hidden folder and notes.txt are passed over
    assert by_id["needle/sweep.csv"].kind == "skipped"
    assert by_id["needle/sweep.csv"].reason == CSV_SKIP_REASON
    assert not any("study/" in j.id for j in jobs), "files inside a study folder belong to the study job"
    assert all(j.context.muscle == "biceps_brachii" for j in jobs if j.kind == "needle")
    assert [j.id for j in jobs] == sorted(j.id for j in jobs)
    (alone,) = discover([tree / "study"])  # a study folder given itself is named after the folder
    assert (alone.id, alone.kind) == ("study", "study")


def test_manifest_rows_give_each_file_its_muscle_age_condition_and_channel(tmp_path: Path) -> None:
    paths = write_recordings(tmp_path / "rec", n=2, seconds=0.5)
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(
        f"file,muscle,age,condition,channel\nrec/{paths[0].name},deltoid,71,minimal,0\nrec/missing.edf,,,,\n"
    )
    jobs = {j.id: j for j in discover([tmp_path / "rec"], context=Context(age_years=30), manifest=manifest)}
    first = jobs[f"{paths[0].name}#0"]
    assert (first.context.muscle, first.context.age_years, first.context.condition, first.channel) == (
        "deltoid",
        71.0,
        "minimal",
        0,
    )
    assert jobs[paths[1].name].context.age_years == 30.0  # not in the manifest: the options
    missing = next(j for j in jobs.values() if j.path.endswith("missing.edf"))
    assert run_job(missing).recordings[0]["status"] == "error"  # listed but absent: a row saying so
    manifest.write_text("file,muscle,age\nrec/x.edf,deltoid,abc\n")
    with pytest.raises(EdxInputError, match="line 2: age"):
        discover([tmp_path / "rec"], manifest=manifest)
    with pytest.raises(EdxInputError, match="muscle"):
        discover([tmp_path / "rec"], context=Context(muscle="no_such_muscle"))


def test_truncated_edf_and_garbage_header_are_error_rows_with_one_line_and_the_run_goes_on(
    serial_tables: BatchTables,
) -> None:
    rec = serial_tables.recordings
    for name, words in (("broken_truncated.edf", "truncated"), ("broken_garbage.hea", "WFDB header")):
        (row,) = _rows(rec, file=f"needle/{name}")
        assert row["status"] == "error"
        assert words in row["error"] and name in row["error"] and "\n" not in row["error"]
    ok = _rows(rec, status="ok")
    study = _rows(rec, job="study")
    assert len(study) == 6 and len(ok) == 4 + len(study)  # 3 muscles × (rest + minimal) in the study
    assert all(r["error"] is None for r in ok)
    (skipped,) = _rows(rec, status="skipped")
    assert skipped["file"] == "needle/sweep.csv" and "study folder" in skipped["error"]


def test_tables_are_typed_with_one_motor_unit_row_per_decomposed_unit(serial_tables: BatchTables) -> None:
    from edxkit.batch import SCHEMAS

    for name in ("recordings", "motor_units", "ncs"):
        assert serial_tables.table(name).schema.equals(SCHEMAS[name], check_metadata=False)
    rec, mus = serial_tables.recordings, serial_tables.motor_units
    for row in _rows(rec, status="ok"):
        units = _rows(
            mus, job=row["job"], file=row["file"], channel=row["channel"], condition=row["condition"]
        )
        assert len(units) == row["n_units"]
        assert sum(u["accepted"] for u in units) == row["n_accepted_units"]
    minimal = _rows(rec, file="needle/rec00_minimal_normal.edf")[0]
    assert minimal["muscle"] == "biceps_brachii" and minimal["age_years"] == 50.0
    assert minimal["fs_hz"] == FS_HZ and minimal["n_units"] >= 1 and minimal["mean_amplitude_uv"] > 50
    assert all(isinstance(u["unit_id"], int) and u["n_firings"] >= 1 for u in mus.to_pylist())
    assert set(rec.column("edxkit_version").to_pylist()) == {__import__("edxkit").__version__}
    assert all(r["condition_inferred"] for r in _rows(rec, status="ok") if r["job"] != "study")
    rest = _rows(rec, job="study", condition="rest")
    assert rest and all(r["fibrillation"] in ("0", "1+", "2+", "3+", "4+") for r in rest)
    assert all(r["n_units"] == 0 and r["condition_inferred"] is False for r in rest)


def test_study_folder_recordings_take_muscle_side_age_and_condition_from_the_study(
    tree: Path, serial_tables: BatchTables
) -> None:
    from edxkit.io.study import load_study

    study = load_study(tree / "study")
    rows = _rows(serial_tables.recordings, job="study")
    expected = [(e.muscle, e.side, r.condition, f"study/{r.file}") for e in study.emg for r in e.recordings]
    assert [(r["muscle"], r["side"], r["condition"], r["file"]) for r in rows] == expected
    assert {r["age_years"] for r in rows} == {float(study.patient.age)}
    assert {r["study_id"] for r in rows} == {study.id}
    ncs = serial_tables.ncs.to_pylist()
    assert {(r["nerve"], r["kind"], r["side"]) for r in ncs} == {(n.nerve, n.kind, n.side) for n in study.ncs}
    decrement = [r for r in ncs if r["kind"] == "rns" and r["measure"] == "decrement_pct"]
    assert decrement and all(r["value"] >= 10 and r["abnormal"] for r in decrement)  # myasthenia: ≥ 10 %
    latency = [r for r in ncs if r["level"] == "site" and r["measure"] == "onset_latency_ms"]
    assert latency and all(r["limit_bound"] in (None, "max") and r["value"] > 0 for r in latency)


def test_resume_keeps_ok_rows_without_rerunning_and_retries_failed_files(tmp_path: Path) -> None:
    folder = tmp_path / "rec"
    paths = write_recordings(folder, n=2, seconds=0.5)
    truncated, garbage = write_broken(folder, paths[0])
    out = tmp_path / "out" / "res.parquet"
    first = run_batch([folder], out, workers=1, muscle="biceps")
    assert first.recordings.column("status").to_pylist().count("error") == 2
    shutil.copy(paths[1], truncated)  # the researcher fixes one file
    totals: list[int] = []
    second = run_batch([folder], out, resume=True, workers=1, progress=lambda d, n: totals.append(n))
    assert set(totals) == {2}, "only the two failed files run again"
    again = BatchTables.read(out)
    assert again.recordings.equals(second.recordings)
    old_ok = first.recordings.filter(pa.compute.equal(first.recordings.column("status"), "ok"))
    new_ok = again.recordings.filter(pa.compute.is_in(again.recordings.column("job"), old_ok.column("job")))
    assert new_ok.equals(old_ok), "rows of files done before are kept as they were (same elapsed_s)"
    (fixed,) = _rows(again.recordings, file=truncated.name)
    assert fixed["status"] == "ok" and fixed["muscle"] is None  # the retry used this run's options
    assert _rows(again.recordings, file=garbage.name)[0]["status"] == "error"
    assert again.motor_units.num_rows == first.motor_units.num_rows + fixed["n_units"]


def test_interrupted_run_leaves_readable_tables_and_resume_finishes_it(tmp_path: Path) -> None:
    folder = tmp_path / "rec"
    write_recordings(folder, n=3, seconds=0.5)
    out = tmp_path / "res.parquet"

    def stop_after_first(done: int, total: int) -> None:
        if done == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_batch([folder], out, workers=1, progress=stop_after_first)
    partial = BatchTables.read(out)
    assert partial.recordings.num_rows == 1
    assert not [p for p in out.parent.iterdir() if p.name.endswith(".tmp")], "no temporary file left"
    done = run_batch([folder], out, resume=True, workers=1)
    assert done.recordings.num_rows == 3 and set(done.recordings.column("status").to_pylist()) == {"ok"}


def test_resume_refuses_a_parquet_that_is_not_a_batch_table(tmp_path: Path) -> None:
    write_recordings(tmp_path / "rec", n=1, seconds=0.5)
    out = tmp_path / "other.parquet"
    pq.write_table(pa.table({"x": [1, 2]}), out)
    with pytest.raises(EdxInputError, match=r"not an edxkit\.batch/1 recordings table"):
        run_batch([tmp_path / "rec"], out, resume=True, workers=1)
    with pytest.raises(EdxInputError, match=r"\.parquet"):
        output_paths(tmp_path / "results.csv")


def test_one_worker_and_two_local_workers_give_identical_tables(
    tree: Path, serial_tables: BatchTables
) -> None:
    pooled = analyze_paths([tree], workers=2, muscle="biceps", age_years=50.0)
    for name in ("recordings", "motor_units", "ncs"):
        assert drop_timing(pooled.table(name)).equals(drop_timing(serial_tables.table(name))), name
    assert len(set(pooled.workers) - {_this_process()}) == 2, "the jobs ran on both worker processes"
    assert all(50 < mb < 4000 for mb in pooled.workers.values())


def test_cli_batch_writes_the_three_tables_and_bad_input_is_one_line_with_exit_2(edx, tmp_path: Path) -> None:
    write_recordings(tmp_path / "rec", n=2, seconds=0.5)
    out = tmp_path / "res.parquet"
    result = edx("batch", tmp_path / "rec", "-o", out, "--workers", "1", "--muscle", "biceps")
    assert result.exit_code == 0, result.stderr
    assert "2 recording rows: 2 ok, 0 failed, 0 skipped" in result.stdout
    paths = output_paths(out)
    assert all(p.exists() for p in paths.values())
    assert pq.read_table(paths["recordings"]).column("muscle").to_pylist() == ["biceps_brachii"] * 2
    bad = edx("batch", tmp_path / "rec", "-o", out, "--condition", "sleepy")
    assert bad.exit_code == 2 and bad.stderr.count("\n") == 1 and "condition" in bad.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    none = edx("batch", empty, "-o", tmp_path / "e.parquet")
    assert none.exit_code == 2 and "no recordings" in none.stderr


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=600), suffix=st.sampled_from([".edf", ".bdf", ".hea", ".npy"]))
def test_any_bytes_as_a_recording_give_an_error_or_ok_row_never_an_exception(
    tmp_path: Path, data: bytes, suffix: str
) -> None:
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(data)
    (job,) = discover([path])
    out = run_job(job)
    assert out.recordings and all(r["status"] in ("ok", "error") for r in out.recordings)
    assert all(r["error"] is None or "\n" not in r["error"] for r in out.recordings)


@pytest.fixture(scope="module")
def cluster():
    """A local Dask cluster of 2 single-threaded worker processes (edxkit's settings), closed after use.

    It is made with ``MALLOC_TRIM_THRESHOLD_`` in this process's environment, as a LocalCluster with Dask's
    defaults made earlier in the same process leaves it.
    """
    pytest.importorskip("distributed")
    from edxkit.batch import local_cluster

    saved = os.environ.get("MALLOC_TRIM_THRESHOLD_")
    os.environ["MALLOC_TRIM_THRESHOLD_"] = "65536"
    try:
        local = local_cluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    finally:
        if saved is None:
            os.environ.pop("MALLOC_TRIM_THRESHOLD_")
        else:
            os.environ["MALLOC_TRIM_THRESHOLD_"] = saved
    with local:
        yield local


def test_dask_local_cluster_gives_the_same_tables_as_one_process(tree: Path, cluster) -> None:
    folder = tree / "needle"  # the study's determinism across processes is covered by the local pool test
    serial = analyze_paths([folder], workers=1, muscle="biceps")
    tables = analyze_paths([folder], scheduler=cluster.scheduler_address, muscle="biceps")
    for name in ("recordings", "motor_units"):
        assert drop_timing(tables.table(name)).equals(drop_timing(serial.table(name))), name
    assert len(set(tables.workers) - {_this_process()}) == 2, "the jobs ran on both Dask workers"


def test_dask_workers_of_local_cluster_run_single_threaded_blas_without_malloc_trim_threshold(
    cluster,
) -> None:
    """Dask's default MALLOC_TRIM_THRESHOLD_=65536 about doubles the analysis CPU time per recording
    (bench/batch_throughput.py); local_cluster removes it, even when this process's environment has it."""
    from distributed import Client

    names = ("MALLOC_TRIM_THRESHOLD_", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")
    with Client(cluster, set_as_default=False) as client:
        env = client.run(lambda: [os.environ.get(n) for n in names])
    assert list(env.values()) == [[None, "1", "1"]] * 2


def test_workers_with_dask_default_malloc_trim_threshold_get_a_warning_naming_the_fix() -> None:
    from edxkit.batch.run import _warn_trim

    class Workers:
        def __init__(self, value: str | None) -> None:
            self.value = value

        def run(self, fn: object) -> dict[str, str | None]:
            return {"tcp://a:1": self.value, "tcp://b:1": self.value}

    with pytest.warns(RuntimeWarning, match=r"MALLOC_TRIM_THRESHOLD_=65536 .*dask_worker_config"):
        _warn_trim(Workers("65536"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _warn_trim(Workers(None))


def test_unreachable_dask_scheduler_is_one_line_naming_the_address_with_exit_2(
    edx, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import edxkit.batch.run

    monkeypatch.setattr(edxkit.batch.run, "CONNECT_TIMEOUT_S", 1)
    write_recordings(tmp_path / "rec", n=1, seconds=0.5)
    result = edx("batch", tmp_path / "rec", "-o", tmp_path / "r.parquet", "--scheduler", "tcp://127.0.0.1:1")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --scheduler: address: cannot connect to 'tcp://127.0.0.1:1'")
    assert not (tmp_path / "r.parquet").exists()


@pytest.mark.realdata
def test_n2001_records_give_the_same_units_in_batch_rows_as_edx_emg_at_23_4_khz() -> None:
    from edxkit.emg.analysis import analyze_needle_file

    records = shared_data("emglab-n2001", "records")
    names = ("N2001C02BB55.hea", "N2001A01BB01.hea")
    tables = analyze_paths(
        [records / n for n in names], workers=1, muscle="biceps", age_years=50, condition="minimal"
    )
    rows = tables.recordings.to_pylist()
    assert [r["file"] for r in rows] == sorted(names)
    for row in rows:
        direct = analyze_needle_file(
            records / row["file"], muscle="biceps_brachii", age_years=50, condition="minimal"
        )
        assert row["status"] == "ok" and row["fs_hz"] == 23437.5 and 11.0 < row["duration_s"] < 11.3
        assert row["n_units"] == len(direct.motor_units) >= 3
        units = _rows(tables.motor_units, file=row["file"])
        assert [u["amplitude_uv"] for u in units] == [u.measures.amplitude_uv for u in direct.motor_units]
        assert all(4.0 <= u["mean_rate_hz"] <= 30.0 for u in units if u["n_firings"] >= 20)
