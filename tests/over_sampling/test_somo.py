"""SOMO and GeometricSOMO: the reference's proportions, rows where they belong, exact counts, both backends."""

import warnings

import numpy as np
import pytest
from imblearn_extra.clover.clusterer import SOM as ReferenceSOM
from imblearn_extra.clover.distribution import DensityDistributor as ReferenceDensityDistributor
from test_geometric import in_region, to_numpy

from gpu_clover import SOMO, GeometricSOMO
from gpu_clover.cluster import SOM


@pytest.fixture(scope="module")
def three_blobs():
    """Majority rows in two blobs, minority rows mostly in a third: SOMO's filter (threshold 1) keeps clusters."""
    rng = np.random.default_rng(7)
    majority = np.concatenate([rng.normal((0, 0), 1.0, (200, 2)), rng.normal((8, 0), 1.0, (200, 2))])
    minority = np.concatenate([rng.normal((4, 6), 1.5, (100, 2)), rng.normal((4, 0), 1.0, (20, 2))])
    X = np.concatenate([majority, minority])
    y = np.repeat([0, 1], [400, 120])
    order = rng.permutation(len(y))
    return X[order], y[order]


def segment_pairs(X, y, labels, neighbors, minority=1):
    """Index pairs of minority rows: same cluster (intra) and adjacent clusters (inter)."""
    rows = np.flatnonzero(y == minority)
    a, b = np.meshgrid(rows, rows, indexing="ij")
    a, b = a.ravel(), b.ravel()
    adjacent = {tuple(p) for p in np.asarray(neighbors).tolist()} | {
        tuple(p[::-1]) for p in np.asarray(neighbors).tolist()
    }
    same = labels[a] == labels[b]
    inter = np.array([(la, lb) in adjacent for la, lb in zip(labels[a].tolist(), labels[b].tolist())])
    return (a[same], b[same]), (a[inter], b[inter])


def on_segment(points, X, a, b, tol=1e-7):
    """``(len(points), len(a))``: whether each point is on the segment X[a] - X[b]."""
    pa = np.linalg.norm(points[:, None] - X[a][None], axis=-1)
    pb = np.linalg.norm(points[:, None] - X[b][None], axis=-1)
    return pa + pb <= np.linalg.norm(X[a] - X[b], axis=1)[None] + tol


@pytest.mark.parametrize("sampler_class", [SOMO, GeometricSOMO])
def test_proportions_match_reference_for_same_labels_and_neighbors(sampler_class, three_blobs):
    X, y = three_blobs
    sampler = sampler_class(
        som_estimator=SOM(n_rows=5, n_columns=5, random_state=0, backend="numpy"),
        distribution_ratio=0.6,
        random_state=0,
        backend="numpy",
    )
    sampler.fit_resample(X, y)
    if sampler_class is SOMO:
        reference = ReferenceDensityDistributor(filtering_threshold=1, distances_exponent=2, distribution_ratio=0.6)
    else:  # G-SOMO's default exponent is 1.0 (the reference's "auto" is reachable by passing it)
        reference = ReferenceDensityDistributor(distances_exponent=1.0, distribution_ratio=0.6)
    reference.fit(X, y, labels=sampler.labels_, neighbors=sampler.neighbors_)
    ours = sampler.distributor_
    assert len(ours.inter_distribution_) > 0
    assert ours.intra_distribution_.keys() == reference.intra_distribution_.keys()
    assert ours.inter_distribution_.keys() == reference.inter_distribution_.keys()
    for mine, theirs in (
        (ours.intra_distribution_, reference.intra_distribution_),
        (ours.inter_distribution_, reference.inter_distribution_),
    ):
        for key, value in theirs.items():
            assert mine[key] == pytest.approx(value, abs=1e-9)


def test_somo_rows_on_intra_or_inter_segments(three_blobs, backend):
    X, y = three_blobs
    sampler = SOMO(
        som_estimator=SOM(n_rows=5, n_columns=5, random_state=0),
        distribution_ratio=0.5,
        random_state=1,
        backend=backend,
    )
    X_res, y_res = (to_numpy(a) for a in sampler.fit_resample(X, y))
    new = X_res[len(X) :]
    assert np.bincount(y_res).tolist() == [400, 400]
    labels = to_numpy(sampler.labels_)
    (ia, ib), (ea, eb) = segment_pairs(X, y, labels, sampler.neighbors_)
    intra, inter = on_segment(new, X, ia, ib).any(axis=1), on_segment(new, X, ea, eb).any(axis=1)
    assert (intra | inter).all()
    only_inter = (inter & ~intra).sum()
    n_inter = round(280 * sum(sampler.distributor_.inter_distribution_.values()))
    assert only_inter > 0 and only_inter <= n_inter + 1


@pytest.mark.parametrize("strategy", ["minority", "combined"])
def test_gsomo_rows_in_regions_of_their_cluster_or_adjacent_clusters(strategy, three_blobs, backend):
    X, y = three_blobs
    sampler = GeometricSOMO(
        som_estimator=SOM(n_rows=5, n_columns=5, random_state=0),
        selection_strategy=strategy,
        truncation_factor=0.5,
        deformation_factor=0.2,
        distribution_ratio=0.5,
        random_state=2,
        backend=backend,
    )
    X_res, y_res = (to_numpy(a) for a in sampler.fit_resample(X, y))
    new = X_res[len(X) :]
    assert np.bincount(y_res).tolist() == [400, 400]
    labels = to_numpy(sampler.labels_)
    (ia, ib), (ea, eb) = segment_pairs(X, y, labels, sampler.neighbors_)
    centers, surfaces = [X[ia], X[ea]], [X[ib], X[eb]]
    if strategy == "combined":  # or the center's nearest majority row in its cluster, or in it and an adjacent one
        majority, minority = np.flatnonzero(y == 0), np.flatnonzero(y == 1)
        for cluster in np.unique(labels[minority]):
            adjacent = [b for a, b in sampler.neighbors_.tolist() if a == cluster]
            adjacent += [a for a, b in sampler.neighbors_.tolist() if b == cluster]
            center = X[minority[labels[minority] == cluster]]
            for clusters in [[cluster]] + [[cluster, other] for other in adjacent]:
                negatives = X[majority[np.isin(labels[majority], clusters)]]
                if len(negatives):
                    centers.append(center)
                    surfaces.append(negatives[np.linalg.norm(center[:, None] - negatives[None], axis=-1).argmin(1)])
    region = in_region(new, np.concatenate(centers), np.concatenate(surfaces), 0.5, 0.2)
    assert region.any(axis=1).all()


@pytest.mark.parametrize("sampler_class", [SOMO, GeometricSOMO])
def test_counts_exact_and_reproducible(sampler_class, multiclass_data, backend):
    X, y = multiclass_data
    first = sampler_class(random_state=3, backend=backend).fit_resample(X, y)
    second = sampler_class(random_state=3, backend=backend).fit_resample(X, y)
    np.testing.assert_array_equal(to_numpy(first[0]), to_numpy(second[0]))
    counts = np.bincount(to_numpy(first[1]))
    assert counts[0] == 100 and (counts[1:] <= 100).all()


@pytest.mark.parametrize("sampler_class", [SOMO, GeometricSOMO])
def test_som_estimator_forms(sampler_class, three_blobs):
    X, y = three_blobs
    assert sampler_class(som_estimator=9, random_state=0, backend="numpy").fit_resample(X, y)
    assert sampler_class(som_estimator=None, random_state=0).fit(X, y)
    sampler = sampler_class(som_estimator=9, random_state=0, backend="numpy")
    sampler.fit_resample(X, y)
    assert (sampler.clusterer_.n_rows_, sampler.clusterer_.n_columns_) == (3, 3)
    sampler = sampler_class(som_estimator=0.1, random_state=0, backend="numpy")
    sampler.fit_resample(X, y)
    side = round(np.sqrt((len(X) - 1) * 0.1 + 1))
    assert (sampler.clusterer_.n_rows_, sampler.clusterer_.n_columns_) == (side, side)
    sampler = sampler_class(
        som_estimator=ReferenceSOM(n_rows=3, n_columns=3, random_state=0), random_state=0, raise_error=False
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the reference's few-iteration map may leave no cluster to fill
        sampler.fit_resample(X, y)
    assert isinstance(sampler.clusterer_, ReferenceSOM)


def test_class_without_adjacent_pair_keeps_its_share_intra(binary_data):
    """The reference raises here (distribution_ratio < 1, no neighbouring pair); we generate intra-cluster."""
    X, y = binary_data
    sampler = GeometricSOMO(som_estimator=SOM(n_rows=1, n_columns=1), random_state=0, backend="numpy")
    _, y_res = sampler.fit_resample(X, y)
    assert len(sampler.neighbors_) == 0 and sampler.distributor_.inter_distribution_ == {}
    assert np.bincount(y_res).tolist() == [90, 90]
