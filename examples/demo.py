"""gpu_clover demo: over-sample an imbalanced problem, then score a classifier on it.

Run it with ``python examples/demo.py``. It builds an imbalanced binary problem
with scikit-learn (each class made of several sub-clusters, the case clustering-
based over-sampling is for), resamples it with gpu_clover's SMOTE and KMeans-SMOTE
on the ``"auto"`` backend (the GPU when CuPy and CUDA are present, else NumPy),
and compares a logistic regression trained without and with over-sampling,
by 5-fold cross-validation. About 5-10 s on two CPU cores.
"""

import argparse
import time
from collections import Counter

import numpy as np
from imblearn.metrics import geometric_mean_score
from imblearn.pipeline import make_pipeline
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import make_scorer
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.preprocessing import StandardScaler

import gpu_clover
from gpu_clover.over_sampling import SMOTE

SCORING = {
    "balanced_accuracy": "balanced_accuracy",
    "f1": "f1",
    "g_mean": make_scorer(geometric_mean_score),
}


def make_problem(n_samples, random_state):
    """A binary problem, 3 % minority, each class spread over 4 sub-clusters."""
    return make_classification(
        n_samples=n_samples,
        n_features=20,
        n_informative=8,
        n_redundant=4,
        n_clusters_per_class=4,
        weights=[0.97],
        class_sep=0.8,
        flip_y=0.01,
        random_state=random_state,
    )


def samplers(random_state):
    return {
        "none": None,
        "SMOTE": SMOTE(random_state=random_state, backend="auto"),
        "KMeansSMOTE": gpu_clover.KMeansSMOTE(kmeans_estimator=16, random_state=random_state, backend="auto"),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000, help="rows of the problem (default 20000)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    X, y = make_problem(args.rows, args.seed)
    print(f"gpu_clover {gpu_clover.__version__}, backend 'auto' resolves to: {gpu_clover.get_backend('auto').name}")
    print(f"data: {X.shape[0]} rows x {X.shape[1]} features, class counts {dict(sorted(Counter(y.tolist()).items()))}")
    print()

    rows = []
    cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=args.seed)
    for name, sampler in samplers(args.seed).items():
        if sampler is None:
            counts, seconds = dict(sorted(Counter(y.tolist()).items())), 0.0
            model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
        else:
            start = time.perf_counter()
            _, y_res = sampler.fit_resample(X, y)
            seconds = time.perf_counter() - start
            counts = dict(sorted(Counter(np.asarray(y_res).tolist()).items()))
            model = make_pipeline(StandardScaler(), sampler, LogisticRegression(max_iter=1000))
        scores = cross_validate(model, X, y, cv=cv, scoring=SCORING)
        rows.append((name, counts, seconds, *(scores[f"test_{key}"].mean() for key in SCORING)))

    header = f"{'over-sampler':<12} {'class counts after':<22} {'resample s':>10} {'bal. acc':>9} {'F1':>7} {'G-mean':>7}"
    print(header)
    print("-" * len(header))
    for name, counts, seconds, bal_acc, f1, g_mean in rows:
        timing = f"{seconds:.3f}" if name != "none" else "-"
        print(f"{name:<12} {str(counts):<22} {timing:>10} {bal_acc:>9.3f} {f1:>7.3f} {g_mean:>7.3f}")
    print()
    print("Scores: mean of 5-fold stratified cross-validation of StandardScaler -> [over-sampler] -> LogisticRegression;")
    print("the over-sampler runs on the training folds only (imblearn pipeline).")


if __name__ == "__main__":
    main()
