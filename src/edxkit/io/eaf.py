"""EMGlab annotation files (``.eaf``): reference decompositions of needle EMG.

An ``.eaf`` file is XML (McGill et al., EMGLAB, J Neurosci Methods 149:121, 2005).
``<emglab_spike_events>`` holds one line per discharge with the columns named in ``<emglab_spike_header>``
(``time unit chan``: time in s, motor unit number, channel). ``<emglab_freeform>`` may hold a struct of
MUAP templates (``<template>`` in the EMGlab sample R00108, ``<var1>`` in the N2001 files): per unit
``chan``, ``unit``, ``data`` (samples in digital units), ``index`` (sample of ``data`` at each firing time:
the template starts at sample ``round(t·rate) − index``), ``rate`` (Hz), ``gain`` (digital units per
``units``) and ``units`` (``mV`` or ``uV``). Templates are returned in µV.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from edxkit.errors import EdxInputError

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

_UV_PER = {"uv": 1.0, "µv": 1.0, "mv": 1000.0, "v": 1e6}
_REQUIRED = ("time", "unit")


@dataclass(frozen=True)
class EafTemplate:
    """One unit's MUAP template from the annotation file."""

    unit: int
    chan: int
    data_uv: FloatArray
    index: int
    fs_hz: float


@dataclass(frozen=True)
class EafAnnotation:
    """The spike events (and templates, where present) of one ``.eaf`` file."""

    path: str
    times_s: FloatArray
    units: IntArray
    channels: IntArray
    templates: dict[int, EafTemplate] = field(default_factory=dict)

    @property
    def unit_ids(self) -> list[int]:
        """Unit numbers in increasing order."""
        return sorted({int(u) for u in self.units})

    def firing_times(self, unit: int) -> FloatArray:
        """Sorted firing times (s) of one unit."""
        return np.sort(self.times_s[self.units == unit])


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(elem: ET.Element, name: str) -> ET.Element | None:
    for c in elem:
        if _local(c.tag) == name:
            return c
    return None


def _parse(path: Path) -> ET.Element:
    if not path.exists():
        raise EdxInputError(path, "file", "not found")
    try:
        return ET.parse(path).getroot()
    except (ET.ParseError, LookupError, ValueError) as exc:  # LookupError: an unknown declared encoding
        raise EdxInputError(path, "xml", f"not a valid EMGlab annotation file ({exc})") from None
    except OSError as exc:
        raise EdxInputError(path, "file", f"cannot be read ({exc.strerror or exc})") from None


def _columns(path: Path, root: ET.Element) -> list[str]:
    header = _child(root, "emglab_spike_header")
    if header is None:
        return ["time", "unit", "chan"]
    names = [_local(c.tag) for c in header]
    missing = [n for n in _REQUIRED if n not in names]
    if missing:
        raise EdxInputError(path, "emglab_spike_header", f"column {missing[0]!r} is missing")
    return names


def _events(path: Path, root: ET.Element) -> tuple[FloatArray, IntArray, IntArray]:
    node = _child(root, "emglab_spike_events")
    if node is None:
        raise EdxInputError(path, "emglab_spike_events", "missing: not an EMGlab annotation file")
    cols = _columns(path, root)
    rows = [line.split() for line in (node.text or "").splitlines() if line.strip()]
    times, units, chans = [], [], []
    for i, row in enumerate(rows):
        field_name = f"emglab_spike_events[{i + 1}]"
        if len(row) != len(cols):
            raise EdxInputError(path, field_name, f"has {len(row)} values, the header names {len(cols)}")
        try:
            values = dict(zip(cols, (float(v) for v in row), strict=True))
        except ValueError:
            raise EdxInputError(path, field_name, f"not a number in {' '.join(row)!r}") from None
        t, u = values["time"], values["unit"]
        if not math.isfinite(t) or t < 0:
            raise EdxInputError(path, field_name, f"time {t:g} s is not a finite time ≥ 0")
        if not math.isfinite(u) or u != int(u) or u < 0:
            raise EdxInputError(path, field_name, f"unit {u:g} is not a whole number ≥ 0")
        c = values.get("chan", 1.0)
        if not math.isfinite(c) or c != int(c) or c < 0:
            raise EdxInputError(path, field_name, f"channel {c:g} is not a whole number ≥ 0")
        times.append(t)
        units.append(int(u))
        chans.append(int(c))
    return (
        np.asarray(times, dtype=np.float64),
        np.asarray(units, dtype=np.int64),
        np.asarray(chans, dtype=np.int64),
    )


def _number(path: Path, item: ET.Element, name: str, where: str) -> float:
    node = _child(item, name)
    try:
        value = float((node.text or "").strip()) if node is not None else float("nan")
    except ValueError:
        value = float("nan")
    if not math.isfinite(value):
        raise EdxInputError(path, f"{where}.{name}", "missing or not a number")
    return value


def _template(path: Path, item: ET.Element, where: str) -> EafTemplate:
    data_node = _child(item, "data")
    try:
        data = np.array((data_node.text or "").split() if data_node is not None else [], dtype=np.float64)
    except ValueError:
        raise EdxInputError(path, f"{where}.data", "holds a value that is not a number") from None
    if data.size == 0 or not np.isfinite(data).all():
        raise EdxInputError(path, f"{where}.data", "missing, empty or not finite")
    gain = _number(path, item, "gain", where)
    rate = _number(path, item, "rate", where)
    index = _number(path, item, "index", where)
    if gain <= 0 or rate <= 0:
        raise EdxInputError(path, f"{where}.{'gain' if gain <= 0 else 'rate'}", "must be > 0")
    if not 0 <= index < data.size:
        raise EdxInputError(path, f"{where}.index", f"{index:g} lies outside the {data.size} samples")
    units_node = _child(item, "units")
    unit_name = (units_node.text or "").strip().lower() if units_node is not None else "uv"
    if unit_name not in _UV_PER:
        raise EdxInputError(path, f"{where}.units", f"unknown units {unit_name!r} (expected mV or uV)")
    chan = _child(item, "chan")
    return EafTemplate(
        unit=int(_number(path, item, "unit", where)),
        chan=int(_number(path, item, "chan", where)) if chan is not None and chan.text else 1,
        data_uv=data / gain * _UV_PER[unit_name],
        index=int(index),
        fs_hz=rate,
    )


def _templates(path: Path, root: ET.Element) -> dict[int, EafTemplate]:
    free = _child(root, "emglab_freeform")
    out: dict[int, EafTemplate] = {}
    if free is None:
        return out
    for struct in free:
        for item in struct:
            if _child(item, "data") is None or _child(item, "unit") is None:
                continue
            tpl = _template(path, item, f"emglab_freeform.{_local(struct.tag)}.{_local(item.tag)}")
            out[tpl.unit] = tpl
    return out


def read_eaf(path: str | Path) -> EafAnnotation:
    """Read an EMGlab annotation file.

    Raises
    ------
    EdxInputError
        Missing file, malformed XML, no spike events, or a malformed event line or template (naming the
        field).
    """
    path = Path(path)
    root = _parse(path)
    if _local(root.tag) != "emglab_annotation_file":
        raise EdxInputError(
            path, "xml", f"root element is <{_local(root.tag)}>, not <emglab_annotation_file>"
        )
    times, units, chans = _events(path, root)
    order = np.argsort(times, kind="stable")
    return EafAnnotation(str(path), times[order], units[order], chans[order], _templates(path, root))
