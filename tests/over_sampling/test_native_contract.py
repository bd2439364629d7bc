"""The native over-sampler contract (``over_sampling/_native.py``): who runs natively, what a
generation request carries, and that a clone generates what the original does."""

import dataclasses

import numpy as np
import pytest
from imblearn.over_sampling import SMOTE as ImblearnSMOTE
from sklearn.base import clone

from gpu_clover import SMOTE, ClusterOverSampler, GeometricSMOTE
from gpu_clover.cluster import KMeans
from gpu_clover.over_sampling._native import GenerationRequest, NativeOverSampler


def test_the_native_samplers_implement_the_contract():
    assert isinstance(SMOTE(), NativeOverSampler)
    assert isinstance(GeometricSMOTE(), NativeOverSampler)


def test_a_native_over_sampler_must_implement_intra_generation():
    class Incomplete(NativeOverSampler):
        pass

    with pytest.raises(TypeError, match="_generate_intra"):
        Incomplete()


def test_a_request_names_a_known_majority_rule():
    with pytest.raises(ValueError, match="majority"):
        GenerationRequest(None, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), 0, None, "everyone")


class _LooksNative(ImblearnSMOTE):
    """imbalanced-learn's SMOTE with a method named like the contract's, outside the contract."""

    def _generate_intra(self, request):
        raise AssertionError("a sampler outside the contract must run as a foreign sampler")


def test_a_sampler_outside_the_contract_runs_as_a_foreign_sampler(binary_data):
    X, y = binary_data
    sampler = ClusterOverSampler(_LooksNative(random_state=0), KMeans(2, random_state=0), random_state=0)
    _, y_res = sampler.set_params(backend="numpy").fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [90, 90]
    assert not isinstance(sampler.oversampler_, NativeOverSampler)


@pytest.fixture
def recorded_requests(monkeypatch):
    """Every intra-cluster GenerationRequest GeometricSMOTE receives (clones included)."""
    requests = []
    generate = GeometricSMOTE._generate_intra

    def recording(self, request):
        requests.append(request)
        return generate(self, request)

    monkeypatch.setattr(GeometricSMOTE, "_generate_intra", recording)
    return requests


def test_the_majority_rule_follows_the_pipeline(multiclass_data, recorded_requests):
    """Alone: every other class; inside a clustering over-sampler (even without a clusterer): the
    cluster's majority class. The two give other rows on data with three minority classes."""
    X, y = multiclass_data
    alone = GeometricSMOTE(selection_strategy="majority", random_state=0, backend="numpy")
    inside = ClusterOverSampler(clone(alone), random_state=0, backend="numpy")
    X_alone, _ = alone.fit_resample(X, y)
    X_inside, _ = inside.fit_resample(X, y)
    assert [request.majority for request in recorded_requests] == ["other_classes", "cluster_majority"]
    assert not np.allclose(X_alone[len(X) :], X_inside[len(X) :])


def test_a_clone_generates_what_the_original_does(multiclass_data, recorded_requests):
    """The request carries the majority rule: a clone (no fitted state) replaying the original's
    request writes the original's rows, and the rule is honoured (the other rule writes others)."""
    X, y = multiclass_data
    sampler = GeometricSMOTE(selection_strategy="majority", random_state=0, backend="numpy")
    X_res, _ = sampler.fit_resample(X, y)
    (request,) = recorded_requests
    written = X_res[len(X) : len(X) + int(request.n_new.sum())]

    def replay(generator, **changes):
        out = np.full_like(request.out, np.nan)
        return generator._generate_intra(dataclasses.replace(request, out=out, **changes))

    np.testing.assert_array_equal(replay(clone(sampler)), written)
    np.testing.assert_array_equal(replay(sampler), written)
    assert not np.allclose(replay(clone(sampler), majority="cluster_majority"), written)
