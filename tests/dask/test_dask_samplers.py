"""Every sampler on Dask: the single-machine output for the same labels, whatever the chunking or
the number of workers; rows between clusters; the SOM on Dask; stage times; the GPU route."""

import numpy as np
import pytest
from conftest import gpu, make_imbalanced

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

import gpu_clover  # noqa: E402 (only once dask is known to be importable)
from gpu_clover import dask as gdask  # noqa: E402
from gpu_clover.cluster import SOM, KMeans  # noqa: E402
from gpu_clover.dask._partition import GenerationRule  # noqa: E402
from gpu_clover.distribution import DensityDistributor  # noqa: E402

COUNTS = [1500, 260, 140]


@pytest.fixture(scope="module")
def data():
    X, y = make_imbalanced(COUNTS, n_features=4, n_blobs=3, seed=11)
    X.flags.writeable = False  # input never mutated: a write would raise
    y.flags.writeable = False
    return X, y


def _cluster_over_sampler(package, oversampler, clusterer, ratio):
    return package.ClusterOverSampler(
        oversampler, clusterer=clusterer, distributor=DensityDistributor(distribution_ratio=ratio), random_state=4
    )


# (name, make(package) -> sampler, whether it writes rows between clusters)
CASES = [
    ("SMOTE", lambda p: p.SMOTE(k_neighbors=4, random_state=4), False),
    ("GeometricSMOTE-combined", lambda p: p.GeometricSMOTE(random_state=4), False),
    ("GeometricSMOTE-majority", lambda p: p.GeometricSMOTE(selection_strategy="majority", random_state=4), False),
    ("GeometricSMOTE-minority", lambda p: p.GeometricSMOTE(selection_strategy="minority", random_state=4), False),
    ("SOMO", lambda p: p.SOMO(distribution_ratio=0.5, random_state=4), True),
    ("GeometricSOMO", lambda p: p.GeometricSOMO(distribution_ratio=0.5, random_state=4), True),
    (
        "ClusterOverSampler-GeometricSMOTE-KMeans",
        lambda p: _cluster_over_sampler(
            p, gpu_clover.GeometricSMOTE(deformation_factor=0.3), KMeans(n_clusters=4, random_state=2), 1.0
        ),
        False,
    ),
    (
        "ClusterOverSampler-GeometricSMOTE-SOM",
        lambda p: _cluster_over_sampler(
            p, gpu_clover.GeometricSMOTE(selection_strategy="majority"), SOM(4, 4, random_state=2), 0.4
        ),
        True,
    ),
    (
        "ClusterOverSampler-SMOTE-SOM",
        lambda p: _cluster_over_sampler(p, gpu_clover.SMOTE(), SOM(4, 4, random_state=2), 0.4),
        True,
    ),
]


def _numpy(sampler):
    return sampler.set_params(backend="numpy")


def _dask_resample(sampler, X, y, chunks, scheduler="synchronous"):
    X_res, y_res = sampler.fit_resample(da.from_array(X, chunks=(chunks, X.shape[1])), da.from_array(y, chunks=chunks))
    assert isinstance(X_res, da.Array) and isinstance(y_res, da.Array)
    if scheduler == "synchronous":
        return dask.compute(X_res, y_res, scheduler="synchronous")
    return scheduler.compute([X_res, y_res], sync=True)


@pytest.mark.parametrize("name, make, inter", CASES, ids=[case[0] for case in CASES])
def test_every_sampler_equals_the_single_machine_whatever_the_chunking(data, name, make, inter):
    X, y = data
    single = _numpy(make(gpu_clover))
    X_one, y_one = single.fit_resample(X, y)
    for chunks in (700, 333):
        sampler = _numpy(make(gdask))
        X_res, y_res = _dask_resample(sampler, X, y, chunks)
        assert np.bincount(y_res).tolist() == [1500, 1500, 1500]  # counts exact
        np.testing.assert_array_equal(y_res, y_one)
        np.testing.assert_array_equal(X_res, X_one)  # bit-identical, the same seed and labels
        assert sampler.sampling_strategy_ == single.sampling_strategy_
        np.testing.assert_array_equal(sampler.labels_.compute(), np.asarray(single.labels_))
    if inter:  # the case writes rows between clusters, and the SOM's topology is the single machine's
        assert sum(sampler.distributor_.inter_distribution_.values()) > 0
        np.testing.assert_array_equal(sampler.neighbors_, single.neighbors_)
    else:
        assert not sampler.distributor_.inter_distribution_


@pytest.mark.parametrize("name", ["GeometricSOMO", "GeometricSMOTE-combined"])
def test_independent_of_the_number_of_workers(data, name):
    """A threaded LocalCluster with one and with two workers gives the synchronous scheduler's rows."""
    X, y = data
    make = dict((case[0], case[1]) for case in CASES)[name]
    X_ref, y_ref = _dask_resample(_numpy(make(gdask)), X, y, chunks=400)
    for n_workers in (1, 2):
        with (
            distributed.LocalCluster(
                n_workers=n_workers, processes=False, threads_per_worker=1, dashboard_address=":0"
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            X_res, y_res = _dask_resample(_numpy(make(gdask)), X, y, chunks=400, scheduler=client)
        np.testing.assert_array_equal(y_res, y_ref)
        np.testing.assert_array_equal(X_res, X_ref)


def test_the_som_on_dask_is_the_single_machine_som(data):
    """Above its sample size the map trains on the same sampled rows: the same weights, labels, topology."""
    rng = np.random.default_rng(5)
    X = rng.normal(size=(9000, 3))
    som = SOM(3, 4, topology="hexagonal", random_state=1, backend="numpy")
    one = SOM(3, 4, topology="hexagonal", random_state=1, backend="numpy").fit(X)
    with dask.config.set(scheduler="synchronous"):
        from gpu_clover.dask._kmeans import DaskRows
        from gpu_clover.dask._som import fit_som

        labels = fit_som(som, DaskRows(da.from_array(X, chunks=(2500, 3))))
        np.testing.assert_array_equal(labels.compute(), one.labels_)
    np.testing.assert_array_equal(som.cluster_centers_, one.cluster_centers_)
    np.testing.assert_array_equal(som.neighbors_, one.neighbors_)
    assert (som.n_rows_, som.n_columns_, som.n_features_in_) == (one.n_rows_, one.n_columns_, 3)


def test_geometric_smote_reads_each_clusters_majority_rows_only():
    """The rule's companions: within a clustering sampler the cluster's majority group (and, between
    clusters, both clusters'); alone, every other group of the cluster; none for "minority"."""
    from gpu_clover._groups import Groups

    # clusters 0, 0, 0, 1, 1, 2 ; classes 0, 1, 2, 0, 1, 1 (class 0 the majority)
    groups = Groups(
        order=None,
        offsets=np.arange(6),
        lengths=np.ones(6, dtype=np.int64),
        cluster=np.array([0, 0, 0, 1, 1, 2]),
        klass=np.array([0, 1, 2, 0, 1, 1]),
        cluster_labels=np.arange(3),
        classes=np.arange(3),
    )
    rule = GenerationRule(gpu_clover.GeometricSMOTE(), "cluster_majority", 0)
    assert rule.companions(groups, [1, 5]).tolist() == [0]
    assert rule.companions(groups, [4]).tolist() == [3]
    assert rule.companions(groups, [[1, 4]], inter=True).tolist() == [0, 3]
    alone = GenerationRule(gpu_clover.GeometricSMOTE(), "other_classes", 0)
    assert alone.companions(groups, [1]).tolist() == [0, 2]
    minority = GenerationRule(gpu_clover.GeometricSMOTE(selection_strategy="minority"), "cluster_majority", 0)
    assert minority.companions(groups, [1, 4]).size == 0
    assert GenerationRule(gpu_clover.SMOTE(), "cluster_majority", 0).companions(groups, [1]).size == 0


def test_stage_seconds_and_lazy_generation(data):
    X, y = data
    sampler = gdask.GeometricSOMO(distribution_ratio=0.5, random_state=4, backend="numpy")
    with dask.config.set(scheduler="synchronous"):
        X_res, _ = sampler.fit_resample(da.from_array(X, chunks=500), da.from_array(y, chunks=500))
    assert list(sampler.stage_seconds_) == ["validate", "cluster", "distribute", "generate"]
    assert all(seconds > 0 for seconds in sampler.stage_seconds_.values())
    assert X_res.shape == (4500, X.shape[1])  # known before any synthetic row is computed


def test_foreign_over_samplers_are_refused_with_a_reason(data):
    from imblearn.over_sampling import SMOTE as ImblearnSMOTE

    X, y = data
    sampler = gdask.ClusterOverSampler(ImblearnSMOTE(), clusterer=KMeans(n_clusters=2), backend="numpy")
    with pytest.raises(TypeError, match=r"native SMOTE or GeometricSMOTE only"):
        sampler.fit_resample(da.from_array(X, chunks=500), da.from_array(y, chunks=500))


def _device_stand_in(monkeypatch):
    """The suite's CuPy stand-in (tests/backends: the CuPy backend's code on host-emulated kernels,
    traced NumPy arrays for device arrays) as the "cupy" backend; the device array class.

    Every traced array counts as a CuPy array here (its class says ``cupy``), as every array
    the stand-in's namespace makes would be one on a GPU: Dask's own steps on the blocks
    (slicing, concatenation) go through that namespace.
    """
    from pathlib import Path

    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1] / "backends"))
    census = pytest.importorskip("census")
    stand_in = pytest.importorskip("test_kernels_on_host")
    stand_in._device_census_backend(monkeypatch)
    monkeypatch.setattr(census.TracedArray, "__module__", "cupy")
    # Dask looks its array functions up by the blocks' type and would import CuPy for a class of
    # module ``cupy``: the stand-in class gets NumPy's (it is an ndarray), found before that import.
    from dask.array import backends as dask_backends  # noqa: F401 (NumPy's entries registered)
    from dask.array import dispatch

    for name in ("concatenate_lookup", "take_lookup", "tensordot_lookup", "numel_lookup", "nannumel_lookup"):
        lookup = getattr(dispatch, name)
        lookup.register(census.TracedArray, lookup.dispatch(np.ndarray))
    return census.TracedArray


def test_cupy_backed_dask_arrays_come_back_cupy_backed(monkeypatch):
    """CuPy blocks in, CuPy blocks out (stand-ins, no GPU): the original blocks, the synthetic
    rows of every task and the labels are device arrays; the counts per class are exact."""
    device_array = _device_stand_in(monkeypatch)
    X, y = make_imbalanced([240, 50], n_features=3, n_blobs=2, seed=2)
    X = X.astype(np.float32)
    X_dev = da.from_array(X.view(device_array), chunks=(100, 3), asarray=False)
    y_dev = da.from_array(y.view(device_array), chunks=100, asarray=False)
    sampler = gdask.SMOTE(random_state=0, backend="cupy")
    X_res, y_res = sampler.fit_resample(X_dev, y_dev)
    blocks = dask.compute(*X_res.to_delayed().ravel(), *y_res.to_delayed().ravel(), scheduler="synchronous")
    assert all(isinstance(block, device_array) for block in blocks), [type(b).__name__ for b in blocks]
    X_out, y_out = dask.compute(X_res, y_res, scheduler="synchronous")
    assert np.bincount(np.asarray(y_out).view(np.ndarray)).tolist() == [240, 240]
    np.testing.assert_array_equal(np.asarray(X_out).view(np.ndarray)[:290], X)


@gpu
def test_dask_cudf_frames_come_back_as_dask_cudf_frames():
    """A dask-cuDF table in, a dask-cuDF table out (same columns and dtypes), the synthetic rows on the
    GPU workers. cuDF's Dask backend cannot be stood in for on the host (Dask dispatches on cuDF's
    own classes), so this runs where CUDA and dask_cudf are."""
    dask_cudf = pytest.importorskip("dask_cudf")
    import cudf
    import pandas as pd

    X, y = make_imbalanced([600, 90], n_features=3, n_blobs=2, seed=4)
    frame = cudf.from_pandas(pd.DataFrame(X.astype(np.float32), columns=["a", "b", "c"]))
    X_res, y_res = gdask.GeometricSOMO(som_estimator=9, random_state=0).fit_resample(
        dask_cudf.from_cudf(frame, npartitions=3), dask_cudf.from_cudf(cudf.Series(y, name="label"), npartitions=3)
    )
    X_res, y_res = dask.compute(X_res, y_res)
    assert isinstance(X_res, cudf.DataFrame) and isinstance(y_res, cudf.Series)
    assert list(X_res.columns) == ["a", "b", "c"] and (X_res.dtypes == np.float32).all()
    assert y_res.to_pandas().value_counts().tolist() == [600, 600]
