"""Arrays of other libraries (DLPack, CUDA array interface): read without a copy, returned in their own kind.

Minimal producers over NumPy memory test the protocol path everywhere; PyTorch and
JAX are tested where installed, their CUDA paths and Numba's on a GPU.
"""

import numpy as np
import pytest
from conftest import gpu, make_imbalanced

import gpu_clover.backends
from gpu_clover import KMeansSMOTE, get_backend
from gpu_clover._interop import import_array
from gpu_clover._validation import check_fit_data
from gpu_clover.backends import cuda_available
from gpu_clover.backends._foreign import array_device, is_foreign_array

DLPACK_CPU, DLPACK_CUDA, DLPACK_METAL = 1, 2, 8
# PyTorch is in no extra (its wheels are large); JAX is in the interop extra.
NEEDS_TORCH = "the PyTorch tensor tests need torch (pip install torch)"
NEEDS_JAX = "the JAX array tests need jax (pip install -e '.[interop]')"


class DLPackProducer:
    """An array of no known library: DLPack over a NumPy buffer, on the device it claims."""

    def __init__(self, array, device=(DLPACK_CPU, 0)):
        self.array, self.device = array, device

    def __dlpack__(self, **kwargs):
        return self.array.__dlpack__(**kwargs)

    def __dlpack_device__(self):
        return self.device


class _ProducerNamespace:
    """The array-API namespace of :class:`NamespacedProducer`: just ``from_dlpack``."""

    @staticmethod
    def from_dlpack(x):
        return NamespacedProducer(np.from_dlpack(x))


class NamespacedProducer(DLPackProducer):
    """A DLPack producer whose library can build its arrays back (``__array_namespace__().from_dlpack``)."""

    def __array_namespace__(self, api_version=None):
        return _ProducerNamespace


class ArrayInterfaceOnly:
    """Host memory described by ``__array_interface__`` only (no DLPack): NumPy reads it."""

    def __init__(self, array):
        self.array = array
        self.__array_interface__ = array.__array_interface__


@pytest.fixture
def data():
    return make_imbalanced([120, 30, 15], n_features=4, seed=3)


def resample(X, y, backend="numpy", **params):
    return KMeansSMOTE(kmeans_estimator=3, random_state=0, backend=backend, **params).fit_resample(X, y)


def test_native_arrays_are_not_foreign():
    import pandas as pd

    for a in (np.zeros((2, 2)), [[1.0]], pd.DataFrame({"a": [1.0]}), ArrayInterfaceOnly(np.zeros(2))):
        assert not is_foreign_array(a)
    assert is_foreign_array(DLPackProducer(np.zeros(2)))


def test_pyarrow_labels_are_read_by_numpy_as_before(data):
    pa = pytest.importorskip("pyarrow")
    X, y = data
    names = np.array(["a", "b", "c"])
    _, y_res = resample(X, pa.array(names[y]))  # strings: no DLPack form
    assert type(y_res) is np.ndarray
    np.testing.assert_array_equal(y_res, names[resample(X, y)[1]])


def test_dlpack_producer_is_read_without_a_copy(data):
    X, y = data
    fit = check_fit_data(KMeansSMOTE(), DLPackProducer(X), DLPackProducer(y), backend="numpy")
    assert np.shares_memory(fit.X, X)
    assert fit.out_dtype == X.dtype


def test_unknown_dlpack_producer_gives_numpy_with_the_numpy_result(data):
    X, y = data
    X_res, y_res = resample(DLPackProducer(X), DLPackProducer(y))
    X_ref, y_ref = resample(X, y)
    assert type(X_res) is np.ndarray and type(y_res) is np.ndarray
    np.testing.assert_array_equal(X_res, X_ref)
    np.testing.assert_array_equal(y_res, y_ref)


def test_namespaced_producer_comes_back_in_its_own_kind_unaltered_input(data):
    X, y = data
    X_in, y_in = X.astype(np.float32), y.astype(np.int32)
    X_copy, y_copy = X_in.copy(), y_in.copy()
    X_res, y_res = resample(NamespacedProducer(X_in), NamespacedProducer(y_in))
    assert type(X_res) is NamespacedProducer and type(y_res) is NamespacedProducer
    assert X_res.array.dtype == np.float32 and y_res.array.dtype == np.int32
    X_ref, y_ref = resample(X_in, y_in)
    np.testing.assert_array_equal(X_res.array, X_ref)
    np.testing.assert_array_equal(y_res.array, y_ref)
    np.testing.assert_array_equal(X_in, X_copy)
    np.testing.assert_array_equal(y_in, y_copy)


def test_integer_producer_follows_the_casting_rules(data):
    X, y = data
    X_int = np.round(X * 1000).astype(np.int16)
    X_res, _ = resample(NamespacedProducer(X_int), y)
    X_ref, _ = resample(X_int, y)
    assert X_res.array.dtype == np.int16
    np.testing.assert_array_equal(X_res.array, X_ref)
    np.testing.assert_array_equal(X_res.array[: len(X_int)], X_int)


def test_array_interface_only_is_read_by_numpy(data):
    X, y = data
    X_res, _ = resample(ArrayInterfaceOnly(X), y)
    assert type(X_res) is np.ndarray
    np.testing.assert_array_equal(X_res, resample(X, y)[0])


def test_mixed_kinds_each_come_back_in_their_own(data):
    X, y = data
    X_res, y_res = resample(X, NamespacedProducer(y))
    assert type(X_res) is np.ndarray and type(y_res) is NamespacedProducer


def test_unsupported_device_is_a_value_error_naming_it(data):
    X, y = data
    with pytest.raises(ValueError, match=r"DLPack device type 8 \(Metal, index 0\)"):
        resample(DLPackProducer(X, device=(DLPACK_METAL, 0)), y)
    with pytest.raises(ValueError, match="Metal"):
        get_backend("auto", like=DLPackProducer(X, device=(DLPACK_METAL, 0)))


def test_cuda_producer_refused_by_the_numpy_backend(data):
    X, y = data
    with pytest.raises(ValueError, match="CUDA device memory; backend='numpy'"):
        resample(DLPackProducer(X, device=(DLPACK_CUDA, 0)), y, backend="numpy")


def test_cuda_producer_without_cupy_says_so(data, monkeypatch):
    X, _ = data
    monkeypatch.setattr(gpu_clover.backends, "cuda_available", lambda: False)
    with pytest.raises(ValueError, match=r"X \(test_interop.DLPackProducer\) is in CUDA device memory.*CuPy or a CUDA"):
        import_array(DLPackProducer(X, device=(DLPACK_CUDA, 0)), "X")


@gpu
def test_cuda_target_with_host_features_is_refused(data):
    import cupy as cp

    X, y = data

    with pytest.raises(ValueError, match="put both on one device"):
        resample(X, DLPackProducer(cp.asarray(y), device=(DLPACK_CUDA, 0)), backend="auto")


def test_auto_backend_follows_the_producer_device(data):
    X, _ = data
    host = get_backend("auto", like=DLPackProducer(X))
    assert host.name == ("cupy" if cuda_available() else "numpy")
    device = DLPackProducer(X, device=(DLPACK_CUDA, 0))
    assert array_device(device) == "cuda"
    if cuda_available():
        assert get_backend("auto", like=device).name == "cupy"
    else:  # "auto" picks cupy for CUDA memory, which is then missing here
        with pytest.raises(ValueError, match="backend='cupy' needs CuPy"):
            get_backend("auto", like=device)


# ------------------------------------------------------------------ PyTorch on the CPU


@pytest.mark.parametrize("dtype_name", ["float32", "float64", "int32"])
def test_torch_cpu_tensor_in_gives_torch_tensor_out(data, backend, dtype_name):
    torch = pytest.importorskip("torch", reason=NEEDS_TORCH)
    X, y = data
    X_np = np.round(X * 100).astype(dtype_name)
    X_t, y_t = torch.from_numpy(X_np.copy()), torch.from_numpy(y.astype(np.int32))
    X_before, y_before = X_t.clone(), y_t.clone()
    X_res, y_res = resample(X_t, y_t, backend=backend)
    assert isinstance(X_res, torch.Tensor) and isinstance(y_res, torch.Tensor)
    assert X_res.device == X_t.device and y_res.device == y_t.device
    assert X_res.dtype == X_t.dtype and y_res.dtype == y_t.dtype
    X_ref, y_ref = resample(X_np, y.astype(np.int32), backend=backend)
    np.testing.assert_array_equal(X_res.numpy(), X_ref)
    np.testing.assert_array_equal(y_res.numpy(), y_ref)
    assert torch.equal(X_t, X_before) and torch.equal(y_t, y_before)


def test_torch_cpu_tensor_is_read_without_a_copy(data):
    torch = pytest.importorskip("torch", reason=NEEDS_TORCH)
    X, y = data
    X_t = torch.from_numpy(X.astype(np.float32))
    fit = check_fit_data(KMeansSMOTE(), X_t, torch.from_numpy(y), backend="numpy")
    assert fit.X.ctypes.data == X_t.data_ptr()


def test_torch_strided_tensor_gives_the_contiguous_result(data):
    torch = pytest.importorskip("torch", reason=NEEDS_TORCH)
    X, y = data
    X_t = torch.from_numpy(np.asfortranarray(X))  # column-major strides
    assert not X_t.is_contiguous()
    X_res, _ = resample(X_t, torch.from_numpy(y))
    np.testing.assert_array_equal(X_res.numpy(), resample(X, y)[0])


def test_torch_tensor_requiring_grad_is_accepted(data):
    torch = pytest.importorskip("torch", reason=NEEDS_TORCH)
    X, y = data
    X_res, _ = resample(torch.tensor(X, requires_grad=True), torch.from_numpy(y))
    assert isinstance(X_res, torch.Tensor) and not X_res.requires_grad


def test_torch_errors_name_the_device_and_the_dtype(data):
    torch = pytest.importorskip("torch", reason=NEEDS_TORCH)
    X, y = data
    with pytest.raises(ValueError, match=r"X \(torch.Tensor\) cannot be exported through DLPack.*meta"):
        resample(torch.empty(X.shape, device="meta"), y)
    with pytest.raises(TypeError, match=r"torch.Tensor of dtype torch.bfloat16"):
        resample(torch.from_numpy(X).to(torch.bfloat16), y)


# ------------------------------------------------------------------ JAX on its default device


def test_jax_array_in_gives_jax_array_out(data):
    jax = pytest.importorskip("jax", reason=NEEDS_JAX)
    jnp = jax.numpy
    X, y = data
    X_j, y_j = jnp.asarray(X.astype(np.float32)), jnp.asarray(y.astype(np.int32))
    X_res, y_res = resample(X_j, y_j, backend="auto")
    assert isinstance(X_res, jax.Array) and isinstance(y_res, jax.Array)
    assert X_res.dtype == X_j.dtype and y_res.dtype == y_j.dtype
    assert X_res.devices() == X_j.devices()
    X_ref, y_ref = resample(X.astype(np.float32), y.astype(np.int32), backend="auto")
    np.testing.assert_array_equal(np.asarray(X_res), X_ref)
    np.testing.assert_array_equal(np.asarray(y_res), y_ref)


# ------------------------------------------------------------------ CUDA (lent GPU only)


@gpu
@pytest.mark.parametrize("dtype_name", ["float32", "int64"])
def test_torch_cuda_tensor_zero_copy_in_torch_cuda_out(data, dtype_name):
    torch = pytest.importorskip("torch", reason=NEEDS_TORCH)
    if not torch.cuda.is_available():
        pytest.skip("this PyTorch has no CUDA")
    X, y = data
    X_t = torch.from_numpy(np.round(X * 100).astype(dtype_name)).cuda()
    y_t = torch.from_numpy(y).cuda()
    X_before = X_t.clone()
    fit = check_fit_data(KMeansSMOTE(), X_t, y_t)
    assert fit.backend.name == "cupy"
    assert (fit.X_exact if fit.X_exact is not None else fit.X).data.ptr == X_t.data_ptr()
    X_res, y_res = resample(X_t, y_t, backend="auto")
    assert isinstance(X_res, torch.Tensor) and isinstance(y_res, torch.Tensor)
    assert X_res.device == X_t.device and y_res.device == y_t.device
    assert X_res.dtype == X_t.dtype and y_res.dtype == y_t.dtype
    assert torch.equal(X_res[: len(X)], X_t) and torch.equal(X_t, X_before)
    counts = torch.bincount(y_res).tolist()
    assert counts == [max(np.bincount(y))] * 3
    # A host y beside a CUDA X: the labels come back to the host.
    _, y_host_res = resample(X_t, y_t.cpu(), backend="auto")
    assert isinstance(y_host_res, torch.Tensor) and y_host_res.device.type == "cpu"


@gpu
def test_export_to_torch_cuda_shares_the_result_memory():
    torch = pytest.importorskip("torch", reason=NEEDS_TORCH)
    if not torch.cuda.is_available():
        pytest.skip("this PyTorch has no CUDA")
    import cupy as cp

    _, export = import_array(torch.zeros(2, 2, device="cuda"), "X")
    result = cp.arange(6, dtype=cp.float32).reshape(3, 2)
    out = export(result)
    assert isinstance(out, torch.Tensor) and out.is_cuda and out.data_ptr() == result.data.ptr


@gpu
def test_numba_device_array_zero_copy_in_numba_out(data):
    numba_cuda = pytest.importorskip("numba.cuda", reason="the Numba device array test needs numba")
    X, y = data
    X_d, y_d = numba_cuda.to_device(X.astype(np.float32)), numba_cuda.to_device(y)
    fit = check_fit_data(KMeansSMOTE(), X_d, y_d)
    assert fit.X.data.ptr == X_d.__cuda_array_interface__["data"][0]
    X_res, y_res = resample(X_d, y_d, backend="auto")
    assert numba_cuda.is_cuda_array(X_res) and type(X_res) is type(X_d)
    assert type(y_res) is type(y_d)
    assert X_res.dtype == np.float32
    np.testing.assert_array_equal(X_res.copy_to_host()[: len(X)], X.astype(np.float32))
    np.testing.assert_array_equal(np.bincount(y_res.copy_to_host()), [max(np.bincount(y))] * 3)


class CudaArrayInterfaceOnly:
    """Device memory described by ``__cuda_array_interface__`` only (no DLPack, no known library)."""

    def __init__(self, array):
        self.array = array
        self.__cuda_array_interface__ = array.__cuda_array_interface__


@gpu
def test_cuda_array_interface_producer_zero_copy_in_cupy_out(data):
    import cupy as cp

    X, y = data
    X_dev = cp.asarray(X)
    fit = check_fit_data(KMeansSMOTE(), CudaArrayInterfaceOnly(X_dev), cp.asarray(y))
    assert fit.X.data.ptr == X_dev.data.ptr
    X_res, y_res = resample(CudaArrayInterfaceOnly(X_dev), cp.asarray(y), backend="auto")
    assert isinstance(X_res, cp.ndarray) and isinstance(y_res, cp.ndarray)
    cp.testing.assert_array_equal(X_res[: len(X)], X_dev)


@gpu
def test_jax_gpu_array_in_jax_gpu_array_out(data):
    jax = pytest.importorskip("jax", reason=NEEDS_JAX)
    try:
        gpu = jax.devices("gpu")[0]
    except RuntimeError:
        pytest.skip("this JAX has no GPU")
    X, y = data
    X_j = jax.device_put(X.astype(np.float32), gpu)
    y_j = jax.device_put(y.astype(np.int32), gpu)
    X_res, y_res = resample(X_j, y_j, backend="auto")
    assert isinstance(X_res, jax.Array) and X_res.devices() == {gpu} and y_res.devices() == {gpu}
    assert X_res.dtype == np.float32 and y_res.dtype == np.int32
    np.testing.assert_array_equal(np.asarray(X_res)[: len(X)], X.astype(np.float32))
