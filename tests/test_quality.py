"""A small version of the quality benchmark (benchmarks/quality.py, issue 7).

On a generated problem with within-class imbalance (minority in sub-clusters of
70 / 25 / 5 % of its rows), KMeansSMOTE with its defaults must not score a lower
G-mean than imbalanced-learn's SMOTE (5-fold CV, fixed seeds, a margin for noise).
"""

import importlib.util
from pathlib import Path

import pytest

MARGIN = 0.01
SEED = 0


@pytest.fixture(scope="module")
def quality():
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "quality.py"
    spec = importlib.util.spec_from_file_location("quality_benchmark", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("classifier", ["logistic", "knn"])
def test_defaults_not_worse_than_smote_on_within_class_imbalance(quality, classifier):
    X, y = quality.within_class_problem(n_features=8, seed=SEED + 2)  # the benchmark's within_d8
    scores = {
        name: quality.evaluate(X, y, quality.make_sampler(name, SEED), quality.make_classifier(classifier, SEED), SEED)
        for name in ("smote", "ours_defaults")
    }
    assert scores["ours_defaults"]["g_mean"] >= scores["smote"]["g_mean"] - MARGIN, scores
