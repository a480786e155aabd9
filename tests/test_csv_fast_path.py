"""The CSV reader's pyarrow fast path gives exactly the numbers ``np.loadtxt`` gives, and bad rows still get
``np.loadtxt``'s clear error."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from edxkit.errors import EdxInputError
from edxkit.io.csv import _arrow_numbers, _numbers

FORMATS = ("%.10g", "%.17g", "%.6e", "%.3f", "%g")


@settings(max_examples=60, deadline=None)
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(1, 40), st.integers(1, 6)),
        elements=st.floats(-1e15, 1e15, allow_nan=False, allow_infinity=False),
    ),
    st.sampled_from(FORMATS),
)
def test_fast_path_numbers_equal_np_loadtxt_bit_for_bit(table: np.ndarray, fmt: str) -> None:
    buffer = io.StringIO()
    np.savetxt(buffer, table, fmt=fmt, delimiter=",")
    body = buffer.getvalue()
    fast = _arrow_numbers(body, table.shape[1])
    assert fast is not None
    assert np.array_equal(fast, np.loadtxt(io.StringIO(body), delimiter=",", ndmin=2))


@pytest.mark.parametrize(
    ("body", "expected"),
    [("1,2\n3,\n", "values"), ("1,2\n3,x\n", "values"), ("1,2,3\n4,5,6\n", "values")],
)
def test_rows_the_fast_path_cannot_read_get_the_loadtxt_error(body: str, expected: str) -> None:
    with pytest.raises(EdxInputError) as info:
        _numbers(Path("sweep.csv"), body, 2, first_line=3)
    assert info.value.field == expected and "sweep.csv" in str(info.value)
