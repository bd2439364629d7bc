"""Large copies: threaded host copies (every machine) and pinned staged transfers (GPU)."""

import numpy as np
import pytest
from conftest import gpu

from gpu_clover.backends import get_backend
from gpu_clover.backends._host import host_copy


@pytest.mark.parametrize("n_bytes", [0, 8, 4096 * 3 + 5, (4 << 20) + 12345, 9 << 20])
@pytest.mark.parametrize("threads", [1, 3, 8])
def test_host_copy_copies_every_byte(n_bytes, threads):
    rng = np.random.default_rng(n_bytes)
    src = rng.integers(0, 256, size=n_bytes, dtype=np.uint8)
    dst = np.zeros_like(src)
    host_copy(dst, src, threads=threads)
    np.testing.assert_array_equal(dst, src)


def test_host_copy_into_a_slice_of_rows_leaves_the_rest():
    src = np.arange(3_000_000, dtype=np.float32).reshape(-1, 3)
    out = np.full((1_500_000, 3), -1.0, dtype=np.float32)
    host_copy(out[:1_000_000], src[:1_000_000])
    np.testing.assert_array_equal(out[:1_000_000], src[:1_000_000])
    assert (out[1_000_000:] == -1).all()


def test_host_copy_rejects_mismatched_or_strided_arrays():
    with pytest.raises(ValueError, match="equal sizes"):
        host_copy(np.zeros(4), np.zeros(5))
    with pytest.raises(ValueError, match="C-contiguous"):
        host_copy(np.zeros(4), np.zeros(8)[::2])


@pytest.mark.parametrize("name", ["numpy", pytest.param("cupy", marks=gpu)])
def test_backend_host_copy_casts_when_it_must(name):
    backend = get_backend(name)
    dst = np.zeros((5, 2), dtype=np.float32)
    backend.host_copy(dst, np.arange(10).reshape(5, 2))  # int64 -> float32: the plain assignment
    np.testing.assert_array_equal(dst, np.arange(10).reshape(5, 2))


@gpu
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
@pytest.mark.parametrize("n_rows", [0, 1, 777, 50_001])
def test_staged_transfers_round_trip_across_chunks(monkeypatch, dtype, n_rows):
    """Small chunks force many pipeline steps: both buffers, partial last chunk, empty arrays."""
    import cupy as cp

    from gpu_clover.backends import _transfer

    monkeypatch.setattr(_transfer, "STAGED_MIN_BYTES", 1)
    monkeypatch.setattr(_transfer, "CHUNK_BYTES", 3 * 4096 + 8)
    host = np.random.default_rng(n_rows).normal(size=(n_rows, 7)).astype(dtype)
    device = _transfer.to_device(host)
    assert isinstance(device, cp.ndarray) and device.dtype == dtype
    np.testing.assert_array_equal(cp.asnumpy(device), host)
    out = np.full((n_rows + 3, 7), 9, dtype=dtype)
    _transfer.to_host_into(device * 2, out[3:])
    np.testing.assert_array_equal(out[3:], host * 2)
    assert (out[:3] == 9).all()


@gpu
def test_cupy_backend_moves_large_arrays_through_staging():
    import cupy as cp

    backend = get_backend("cupy")
    host = np.random.default_rng(0).normal(size=(2_000_000, 5)).astype(np.float32)  # 40 MB: staged
    device = backend.asarray(host, dtype=cp.float64)
    assert device.dtype == cp.float64
    np.testing.assert_array_equal(cp.asnumpy(device), host.astype(np.float64))
    np.testing.assert_array_equal(backend.to_host(device[:, 1:3]), host[:, 1:3].astype(np.float64))
