"""Waveform samples as stored bytes: exact float64 round trip, lossless float32 only when exact."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from edxkit.store.blobs import decode_samples, encode_samples

FLOATS = arrays(np.float64, st.integers(1, 300), elements=st.floats(allow_nan=True, allow_infinity=True))


@settings(max_examples=60, deadline=None)
@given(FLOATS)
def test_exact_encoding_round_trips_any_float64_samples_bit_for_bit(samples: np.ndarray) -> None:
    data, dtype = encode_samples(samples)
    back = decode_samples(data, dtype, samples.size)
    assert back.dtype == np.float64 and back.flags.writeable
    assert np.array_equal(back.view(np.uint64), samples.view(np.uint64)) or (
        dtype == "<f4" and np.array_equal(back, samples, equal_nan=True)
    )
    assert len(data) == samples.size * (4 if dtype == "<f4" else 8)


@settings(max_examples=60, deadline=None)
@given(arrays(np.float32, st.integers(1, 300), elements=st.floats(width=32, allow_nan=False)))
def test_samples_exact_in_float32_are_stored_in_four_bytes(samples: np.ndarray) -> None:
    data, dtype = encode_samples(samples.astype(np.float64))
    assert dtype == "<f4" and len(data) == 4 * samples.size
    assert np.array_equal(decode_samples(data, dtype, samples.size), samples.astype(np.float64))


def test_forced_float32_keeps_24_bit_relative_precision() -> None:
    samples = np.random.default_rng(3).normal(0.0, 1000.0, 10_000)
    data, dtype = encode_samples(samples, precision="float32")
    back = decode_samples(data, dtype, samples.size)
    assert dtype == "<f4" and np.all(np.abs(back - samples) <= np.abs(samples) * 2.0**-24)


def test_decoding_refuses_a_length_or_dtype_that_does_not_match_the_row() -> None:
    data, dtype = encode_samples(np.array([0.1, 0.2, 0.3]))
    with pytest.raises(ValueError, match="hold 3 values, the row says 4"):
        decode_samples(data, dtype, 4)
    with pytest.raises(ValueError, match="unknown sample dtype"):
        decode_samples(data, ">i2", 3)
