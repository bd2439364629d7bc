"""Quality benchmark of issue 7: do the synthetic rows help a classifier?

    python benchmarks/quality.py [--quick] [--json PATH] [--seed 0 | --seeds 0 1 2 3 4]
                                 [--families FAMILY ...] [--samplers NAME[:param=value,...] ...]

Every problem is binary, minority class = 1, and uses offline data only.

(a) scikit-learn's bundled data sets, as imbalanced one-vs-rest problems:

- ``digits_<d>`` for d in 0, 3, 8: ``load_digits()``, y = (target == d); 1797 rows x 64
  features, about 180 minority rows (imbalance ratio ~9).
- ``wine_<c>`` for c in 0, 1, 2: ``load_wine()``, y = (target == c); 178 x 13, 48-71
  minority rows (ratio 1.5-2.7), no subsampling.
- ``breast_cancer``: ``load_breast_cancer()``, minority = malignant (target 0) subsampled
  to one tenth of the benign rows: all 357 benign rows and 35 malignant rows drawn
  without replacement with ``numpy.random.default_rng(seed)`` (ratio ~10); 30 features.
- ``iris_versicolor``: ``load_iris()``, minority = versicolor (target 1, the class that
  overlaps another), 10 of its 50 rows drawn with ``default_rng(seed)``; the 100 other
  rows are the majority (ratio 10); 4 features.

(b) generated problems with within-class imbalance, two families of three (4, 8 and 16
features), 1500 rows, 10 % minority (150 rows):

``within_overlap`` (``overlapping_problem``, problems ``overlap_d4/d8/d16``, seeds seed+1,
seed+2, seed+3): the minority is split into three Gaussian sub-clusters holding 70 %, 25 %
and 5 % of its rows (105, 37, 8 rows); the majority lies in four Gaussian blobs of unequal
sizes (40/30/20/10 %); all centres are drawn uniformly in a box of half-width
``6 / sqrt(n_features)`` (so the typical distance between two centres, 6 * sqrt(2/3) ~ 4.9,
does not grow with the dimension), unit-variance blobs (minority sub-clusters: standard
deviation 0.7): randomly placed blobs overlap, in every dimension. Here SMOTE's
interpolations between sub-clusters mostly land in minority territory anyway.

``within_separated`` (``separated_problem``, problems ``separated_d4/d8/d16``, seeds
seed+4, seed+5, seed+6): the failure mode that motivates clustering before SMOTE (the seed
paper): minority sub-clusters of very different sizes with the majority lying between
them, and minority rows isolated in majority territory, so that SMOTE's nearest minority
neighbours reach across majority regions and its interpolations put minority rows inside
the majority class. Construction:

- four minority sub-cluster centres at the vertices of a regular simplex with edge 8
  (``8 / sqrt(2)`` times the first four unit vectors, centred on their mean), then rotated
  by a random orthogonal matrix (QR of a standard normal matrix), so no axis is special;
- the majority (1350 rows) in six Gaussian blobs of equal size (225 rows), one at the
  midpoint of each edge: the straight segment between any two minority sub-clusters runs
  through a majority blob's centre, 4 standard deviations from each sub-cluster's centre;
- 90 % of the minority (135 rows) in the four sub-clusters, sizes in ratio 8 : 4 : 2 : 1
  (72, 36, 18, 9 rows);
- the other 10 % (15 rows) isolated: each drawn from the distribution of a majority blob
  chosen uniformly (one-row disjuncts, or label noise); all the k nearest minority
  neighbours of such a row lie in other sub-clusters or other blobs;
- every blob, minority or majority, is a unit-variance Gaussian.

Classifiers: ``LogisticRegression(max_iter=1000)``, ``KNeighborsClassifier(5)``,
``RandomForestClassifier(n_estimators=50, random_state=seed)``.

Metrics (5-fold ``StratifiedKFold(shuffle=True, random_state=seed)``, mean over folds):
G-mean (``imblearn.metrics.geometric_mean_score``), F1 of the minority class, average
precision (``average_precision``, from ``predict_proba``).

Samplers, each inside ``imblearn.pipeline.make_pipeline(StandardScaler(), sampler, clf)``,
all with ``random_state=seed``:

- ``none``: no over-sampling.
- ``smote``: ``imblearn.over_sampling.SMOTE(random_state=seed)``.
- ``reference``: ``imblearn_extra.clover.over_sampling.KMeansSMOTE(random_state=seed,
  raise_error=False)`` (its defaults: MiniBatchKMeans with 8 clusters, filtering threshold
  and distances exponent "auto"). Folds where it generated nothing are counted.
- ``ours_reference_params``: ``gpu_clover.KMeansSMOTE(kmeans_estimator=MiniBatchKMeans(
  n_clusters=8, n_init="auto", random_state=seed), size_ratio=0.0, distances_exponent="auto",
  random_state=seed, raise_error=False, backend="numpy")``: the reference's clusterer and
  distribution rule.
- ``ours_defaults``: ``gpu_clover.KMeansSMOTE(random_state=seed, raise_error=False,
  backend="numpy")``: our defaults (8 clusters, ``size_ratio=0.5``, ``distances_exponent=1.0``).
- ``ours_purity``: our defaults with ``purity_exponent=1.0`` (each cluster's weights times
  the minority group's share of the cluster's rows; opt-in, studied for issue 7).

Optional samplers, run only when named in ``--samplers`` (SOMO and G-SOMO, issue 7's later
part, and Geometric SMOTE alone or in KMeansSMOTE's clusters; every one with
``raise_error=False`` where it has one, defaults otherwise):

- ``somo_reference``: ``imblearn_extra.clover.over_sampling.SOMO(random_state=seed,
  raise_error=False)`` (a MiniSom-based SOM with its default grid, filtering threshold 1,
  distances exponent 2).
- ``somo_ours``: ``gpu_clover.SOMO(random_state=seed, raise_error=False, backend="numpy")``.
- ``gsomo_reference``: ``imblearn_extra.clover.over_sampling.GeometricSOMO(random_state=seed,
  raise_error=False)``.
- ``gsomo_ours``: ``gpu_clover.GeometricSOMO(random_state=seed, raise_error=False,
  backend="numpy")``.
- ``gsmote_ours``: ``gpu_clover.GeometricSMOTE(random_state=seed, backend="numpy")`` (no
  clustering).
- ``kmeans_gsmote``: ``gpu_clover.ClusterOverSampler(gpu_clover.GeometricSMOTE(...),
  clusterer=gpu_clover.cluster.KMeans(n_clusters=8), distributor=DensityDistributor(
  distances_exponent=1.0, size_ratio=0.5), raise_error=False)``: KMeansSMOTE's clusters and
  allocation with Geometric SMOTE's generation (all with ``random_state=seed``,
  ``backend="numpy"``).

The two reference samplers raise ``ValueError`` on some folds even with ``raise_error=False``:
when a class has filtered clusters but no two of them are SOM neighbours, its intra-cluster
proportions sum to ``distribution_ratio`` and the reference's distributor check rejects them
(ours keeps the whole share inside the clusters then). Such a fold is scored as the reference
with ``raise_error=False`` scores a fold without samples: the sampler passes its training fold on
unchanged (``UnchangedOnError``), so the classifier sees the original rows; the fold is counted
as "failed", apart from the empty folds.

(c) mixed-type tables (issue 23, family ``mixed``, run alone: ``--families mixed``): pandas
DataFrames whose categorical columns are ``category`` columns that matter for the class.

- ``mixed_interaction`` (``mixed_problem(seed + 7)``) and ``mixed_categories``
  (``mixed_problem(seed + 8, numeric_weight=0)``): 2000 rows, 10 % minority; numeric columns
  ``x0..x5`` (standard normal) and categorical ``region`` (5 categories, uniform), ``product``
  (20, Zipf-like frequencies), ``merchant`` (100, Zipf-like) and ``channel`` (3, uniform, no
  effect). A row's score is ``numeric_weight * (x0 - 0.8 x1 + slope[product] * x2)`` (the
  sign of x2's effect depends on the product: ``slope`` is +-1.5) ``+ region_effect[region]``
  (normal, SD 0.75) ``+ pair_effect[region, product]`` (normal, SD 1: an interaction of two
  categories) ``+ merchant_effect[merchant]`` (2.5 for a tenth of the merchants, else 0)
  plus logistic noise (scale 0.5); the top 10 % of scores are the minority. With
  ``numeric_weight=0`` only the categories carry the class.
- ``diabetes_mixed``: ``load_diabetes(scaled=False)`` (442 patients), ``sex`` and ``age``
  by decade (``<30``, ``30s`` ... ``70+``) as categories, the other 8 columns numeric; minority
  = disease progression at or above its 85th percentile (69 rows, ratio ~5.4).

Classifier: ``HistGradientBoostingClassifier(categorical_features="from_dtype",
random_state=seed)``. Preprocessing: the numeric columns standardised, the category columns
passed through (a ``ColumnTransformer`` with pandas output), so that every sampler sees
categories. Samplers (default for the family, in this order; differences are from the
first):

- ``smotenc``: ``imblearn.over_sampling.SMOTENC(categorical_features="auto", random_state=seed)``.
- ``ours_smote``: ``gpu_clover.SMOTE(random_state=seed, backend="numpy")`` (its default
  ``categorical_features="auto"``: the category columns).
- ``ours_defaults``: as above (``gpu_clover.KMeansSMOTE``, categories by ``"auto"``).
- ``onehot_smote``: the categories one-hot encoded in the preprocessing
  (``OneHotEncoder(handle_unknown="ignore", sparse_output=False)``), then
  ``imblearn.over_sampling.SMOTE(random_state=seed)``; the classifier sees the one-hot columns
  as numbers.
- ``none``.

Optional for the family: ``onehot_reference``, the reference's ``KMeansSMOTE`` (as
``reference``) on the one-hot columns of ``onehot_smote``: what KMeansSMOTE's defaults do
against plain SMOTE on the same encoding, apart from SMOTE-NC.

``--quick``: ``separated_d8``, ``breast_cancer`` and ``wine_1`` with logistic regression and
5-NN only (``mixed_interaction`` with ``--families mixed``).

Prints a table (per problem x classifier x sampler, then means per sampler and per problem
family; with several seeds, G-mean and F1 per seed, their mean and standard deviation) and one
JSON document (``--json`` also writes it to a file). "Empty folds" counts,
per sampler and problem, the training folds (after scaling) on which the sampler returned
the data unchanged; "failed folds" (printed, and in the JSON, when a selected sampler may
fail) counts the folds on which it raised.
"""

import argparse
import datetime
import json
import os
import platform
import time
import warnings

import numpy as np
from imblearn.metrics import geometric_mean_score
from imblearn.over_sampling import SMOTE, SMOTENC
from imblearn.pipeline import make_pipeline
from sklearn.base import BaseEstimator, clone
from sklearn.cluster import MiniBatchKMeans
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_iris, load_wine
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import make_scorer
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import gpu_clover
from gpu_clover.cluster import KMeans
from gpu_clover.distribution import DensityDistributor

N_FOLDS = 5
SCORING = {
    "g_mean": make_scorer(geometric_mean_score),
    "f1": "f1",
    "average_precision": "average_precision",
}
SAMPLERS = ["none", "smote", "reference", "ours_reference_params", "ours_defaults", "ours_purity"]
OPTIONAL_SAMPLERS = [
    "somo_reference",
    "somo_ours",
    "gsomo_reference",
    "gsomo_ours",
    "gsmote_ours",
    "kmeans_gsmote",
    "onehot_reference",
]
MIXED_SAMPLERS = ["smotenc", "ours_smote", "ours_defaults", "onehot_smote", "none"]
CLASSIFIERS = ["logistic", "knn", "forest"]
MIXED_CLASSIFIERS = ["hgb"]
NUMERIC_FAMILIES = ["sklearn", "within_overlap", "within_separated"]
FAMILIES = [*NUMERIC_FAMILIES, "mixed"]
SCOPES = ("family", "classifier", "problem")  # the summaries' scopes besides "all"
QUICK_PROBLEMS = ("separated_d8", "breast_cancer", "wine_1", "mixed_interaction")


# ------------------------------------------------------------------ problems
def overlapping_problem(n_features, seed, n_samples=1500, minority_fraction=0.10, spread=6.0):
    """Binary data whose minority class is three sub-clusters of 70 / 25 / 5 % of its rows; blobs overlap."""
    rng = np.random.default_rng(seed)
    n_minority = round(n_samples * minority_fraction)
    minority_sizes = _split(n_minority, [0.70, 0.25, 0.05])
    majority_sizes = _split(n_samples - n_minority, [0.4, 0.3, 0.2, 0.1])
    parts, labels = [], []
    for sizes, scale, label in ((majority_sizes, 1.0, 0), (minority_sizes, 0.7, 1)):
        half_width = spread / np.sqrt(n_features)
        centres = rng.uniform(-half_width, half_width, size=(len(sizes), n_features))
        for centre, size in zip(centres, sizes):
            parts.append(centre + scale * rng.standard_normal((size, n_features)))
            labels.append(np.full(size, label))
    return _shuffled(parts, labels, rng)


def separated_problem(n_features, seed, n_samples=1500, minority_fraction=0.10, edge=8.0, isolated_fraction=0.10):
    """Minority sub-clusters (8 : 4 : 2 : 1) at a simplex's vertices, majority blobs between them.

    See the module docstring: the majority sits at the midpoint of every edge, and
    ``isolated_fraction`` of the minority rows lie alone inside majority blobs.
    """
    rng = np.random.default_rng(seed)
    n_minority = round(n_samples * minority_fraction)
    n_isolated = round(n_minority * isolated_fraction)
    minority_sizes = _split(n_minority - n_isolated, [8 / 15, 4 / 15, 2 / 15, 1 / 15])
    vertices = np.zeros((len(minority_sizes), n_features))
    vertices[np.arange(len(minority_sizes)), np.arange(len(minority_sizes))] = edge / np.sqrt(2)
    rotation, _ = np.linalg.qr(rng.standard_normal((n_features, n_features)))
    vertices = (vertices - vertices.mean(axis=0)) @ rotation
    edges = [(i, j) for i in range(len(vertices)) for j in range(i + 1, len(vertices))]
    midpoints = np.array([(vertices[i] + vertices[j]) / 2 for i, j in edges])
    majority_sizes = _split(n_samples - n_minority, [1 / len(edges)] * len(edges))
    parts, labels = [], []
    for centres, sizes, label in ((midpoints, majority_sizes, 0), (vertices, minority_sizes, 1)):
        for centre, size in zip(centres, sizes):
            parts.append(centre + rng.standard_normal((size, n_features)))
            labels.append(np.full(size, label))
    blob = rng.integers(0, len(midpoints), size=n_isolated)
    parts.append(midpoints[blob] + rng.standard_normal((n_isolated, n_features)))
    labels.append(np.ones(n_isolated, dtype=int))
    return _shuffled(parts, labels, rng)


def mixed_problem(seed, n_samples=2000, minority_fraction=0.10, numeric_weight=1.0, noise=0.5):
    """A DataFrame whose class depends on categories, their interaction, and (``numeric_weight``)
    numeric columns whose effect depends on a category (module docstring, family ``mixed``)."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    numeric = rng.standard_normal((n_samples, 6))
    sizes = {"region": 5, "product": 20, "merchant": 100, "channel": 3}
    zipf = {"product", "merchant"}
    codes = {}
    for name, size in sizes.items():
        p = 1.0 / np.arange(1, size + 1) ** 1.1 if name in zipf else np.ones(size)
        codes[name] = rng.choice(size, size=n_samples, p=rng.permutation(p / p.sum()))
    slope = rng.choice([-1.5, 1.5], size=sizes["product"])
    region_effect = rng.normal(0.0, 0.75, size=sizes["region"])
    pair_effect = rng.standard_normal((sizes["region"], sizes["product"]))
    merchant_effect = np.where(rng.random(sizes["merchant"]) < 0.1, 2.5, 0.0)
    score = numeric_weight * (numeric[:, 0] - 0.8 * numeric[:, 1] + slope[codes["product"]] * numeric[:, 2])
    score += region_effect[codes["region"]] + pair_effect[codes["region"], codes["product"]]
    score += merchant_effect[codes["merchant"]] + rng.logistic(scale=noise, size=n_samples)
    y = (score >= np.quantile(score, 1.0 - minority_fraction)).astype(int)
    X = pd.DataFrame(numeric, columns=[f"x{j}" for j in range(numeric.shape[1])])
    for name, size in sizes.items():
        X[name] = pd.Categorical.from_codes(codes[name], categories=[f"{name}_{i}" for i in range(size)])
    return X, y


def diabetes_mixed(progression_quantile=0.85):
    """``load_diabetes(scaled=False)`` with ``sex`` and ``age`` by decade as categories; minority =
    disease progression at or above its ``progression_quantile``."""
    import pandas as pd

    data = load_diabetes(scaled=False, as_frame=True)
    X = data.data.copy()
    X["sex"] = pd.Categorical(X["sex"].map({1.0: "sex_1", 2.0: "sex_2"}))
    decades = ["<30", "30s", "40s", "50s", "60s", "70+"]
    X["age"] = pd.cut(X["age"], [0, 30, 40, 50, 60, 70, 200], right=False, labels=decades)
    y = (data.target >= np.quantile(data.target, progression_quantile)).astype(int).to_numpy()
    return X, y


def _shuffled(parts, labels, rng):
    X, y = np.concatenate(parts), np.concatenate(labels)
    order = rng.permutation(len(y))
    return X[order], y[order]


def _split(total, fractions):
    sizes = [round(total * f) for f in fractions[1:]]
    return [total - sum(sizes), *sizes]


def _subsample_class(X, y, label, n_keep, seed):
    """Keep ``n_keep`` rows of class ``label`` (drawn without replacement) and all others."""
    rng = np.random.default_rng(seed)
    members = np.flatnonzero(y == label)
    keep = np.sort(np.concatenate([np.flatnonzero(y != label), rng.choice(members, n_keep, replace=False)]))
    return X[keep], y[keep]


def load_problems(seed=0, quick=False):
    """``{name: (family, X, y)}`` with minority = 1 (see the module docstring)."""
    problems = {}
    digits = load_digits()
    for d in (0, 3, 8):
        problems[f"digits_{d}"] = ("sklearn", digits.data, (digits.target == d).astype(int))
    wine = load_wine()
    for c in (0, 1, 2):
        problems[f"wine_{c}"] = ("sklearn", wine.data, (wine.target == c).astype(int))
    cancer = load_breast_cancer()
    X, y = _subsample_class(cancer.data, cancer.target, 0, int(np.sum(cancer.target == 1)) // 10, seed)
    problems["breast_cancer"] = ("sklearn", X, (y == 0).astype(int))
    iris = load_iris()
    X, y = _subsample_class(iris.data, iris.target, 1, 10, seed)
    problems["iris_versicolor"] = ("sklearn", X, (y == 1).astype(int))
    for offset, n_features in enumerate((4, 8, 16), start=1):
        X, y = overlapping_problem(n_features, seed + offset)
        problems[f"overlap_d{n_features}"] = ("within_overlap", X, y)
    for offset, n_features in enumerate((4, 8, 16), start=4):
        X, y = separated_problem(n_features, seed + offset)
        problems[f"separated_d{n_features}"] = ("within_separated", X, y)
    problems["mixed_interaction"] = ("mixed", *mixed_problem(seed + 7))
    problems["mixed_categories"] = ("mixed", *mixed_problem(seed + 8, numeric_weight=0.0))
    problems["diabetes_mixed"] = ("mixed", *diabetes_mixed())
    if quick:
        problems = {name: problems[name] for name in QUICK_PROBLEMS}
    return problems


# ------------------------------------------------------------------ estimators
def make_sampler(name, seed):
    """The over-sampler called ``name`` (``None`` for no over-sampling).

    ``BASE:param=value,...`` is sampler ``BASE`` with those parameters changed through
    ``set_params`` (values parsed by :func:`parse_value`), e.g.
    ``ours_defaults:imbalance_ratio_threshold=inf``.
    """
    base, _, overrides = name.partition(":")
    sampler = _make_base_sampler(base, seed)
    if overrides:
        if sampler is None:
            raise ValueError(f"sampler {base!r} has no parameters to set")
        target = sampler.sampler if isinstance(sampler, UnchangedOnError) else sampler
        target.set_params(**parse_overrides(overrides))
    return sampler


def parse_overrides(text):
    """``"a=1,b=auto"`` -> ``{"a": 1, "b": "auto"}``."""
    params = {}
    for item in text.split(","):
        key, equals, value = item.partition("=")
        if not equals or not key:
            raise ValueError(f"expected param=value, got {item!r}")
        params[key.strip()] = parse_value(value.strip())
    return params


def parse_value(text):
    """An int, a float (``inf`` included), ``True`` / ``False`` / ``None``, else the string."""
    constants = {"True": True, "False": False, "None": None}
    if text in constants:
        return constants[text]
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def check_sampler_name(name):
    """``name`` if its base is a known sampler (an argparse ``type``)."""
    base = name.partition(":")[0]
    known = list(dict.fromkeys(SAMPLERS + OPTIONAL_SAMPLERS + MIXED_SAMPLERS))
    if base not in known:
        raise argparse.ArgumentTypeError(f"unknown sampler {base!r} (known: {' '.join(known)})")
    return name


def _make_base_sampler(name, seed):
    if name == "none":
        return None
    if name == "smote":
        return SMOTE(random_state=seed)
    if name in ("reference", "onehot_reference"):  # onehot_: on the one-hot columns (make_preprocessor)
        from imblearn_extra.clover.over_sampling import KMeansSMOTE as ReferenceKMeansSMOTE

        return ReferenceKMeansSMOTE(random_state=seed, raise_error=False)
    if name == "ours_reference_params":
        kmeans = MiniBatchKMeans(n_clusters=8, n_init="auto", random_state=seed)
        return gpu_clover.KMeansSMOTE(
            kmeans_estimator=kmeans,
            size_ratio=0.0,
            distances_exponent="auto",
            random_state=seed,
            raise_error=False,
            backend="numpy",
        )
    if name == "ours_defaults":
        return gpu_clover.KMeansSMOTE(random_state=seed, raise_error=False, backend="numpy")
    if name == "ours_purity":
        return gpu_clover.KMeansSMOTE(purity_exponent=1.0, random_state=seed, raise_error=False, backend="numpy")
    if name == "smotenc":
        return SMOTENC(categorical_features="auto", random_state=seed)
    if name == "ours_smote":
        return gpu_clover.SMOTE(random_state=seed, backend="numpy")
    if name == "onehot_smote":
        return SMOTE(random_state=seed)  # on the one-hot columns: make_preprocessor
    if name == "somo_reference":
        from imblearn_extra.clover.over_sampling import SOMO as ReferenceSOMO

        return UnchangedOnError(ReferenceSOMO(random_state=seed, raise_error=False))
    if name == "somo_ours":
        return gpu_clover.SOMO(random_state=seed, raise_error=False, backend="numpy")
    if name == "gsomo_reference":
        from imblearn_extra.clover.over_sampling import GeometricSOMO as ReferenceGeometricSOMO

        return UnchangedOnError(ReferenceGeometricSOMO(random_state=seed, raise_error=False))
    if name == "gsomo_ours":
        return gpu_clover.GeometricSOMO(random_state=seed, raise_error=False, backend="numpy")
    if name == "gsmote_ours":
        return gpu_clover.GeometricSMOTE(random_state=seed, backend="numpy")
    if name == "kmeans_gsmote":
        return gpu_clover.ClusterOverSampler(
            gpu_clover.GeometricSMOTE(random_state=seed, backend="numpy"),
            clusterer=KMeans(n_clusters=8, random_state=seed, backend="numpy"),
            distributor=DensityDistributor(distances_exponent=1.0, size_ratio=0.5),
            raise_error=False,
            random_state=seed,
            backend="numpy",
        )
    raise ValueError(f"unknown sampler {name!r}")


class UnchangedOnError(BaseEstimator):
    """``sampler``, except that a fold on which it raises ``ValueError`` passes through unchanged.

    For the reference SOMO / G-SOMO, whose distributor check raises on some folds even with
    ``raise_error=False`` (module docstring): such a fold is scored like a fold without samples.
    """

    def __init__(self, sampler):
        self.sampler = sampler

    def fit_resample(self, X, y):
        try:
            return clone(self.sampler).fit_resample(X, y)
        except ValueError:
            return X, y


def make_classifier(name, seed):
    if name == "logistic":
        return LogisticRegression(max_iter=1000)
    if name == "knn":
        return KNeighborsClassifier(5)
    if name == "forest":
        return RandomForestClassifier(n_estimators=50, random_state=seed)
    if name == "hgb":
        return HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=seed)
    raise ValueError(f"unknown classifier {name!r}")


def make_preprocessor(sampler_name, X):
    """The pipeline's first step: ``StandardScaler`` for an array; for a DataFrame, its numeric
    columns standardised and its category columns passed through (one-hot encoded for the
    ``onehot_*`` samplers), as a DataFrame."""
    if not hasattr(X, "columns"):
        return StandardScaler()
    categorical = [name for name in X.columns if X[name].dtype == "category"]
    numeric = [name for name in X.columns if name not in categorical]
    if sampler_name.partition(":")[0].startswith("onehot_"):
        encoder = OneHotEncoder(handle_unknown="ignore", sparse_output=False)
    else:
        encoder = "passthrough"
    transformer = ColumnTransformer(
        [("numeric", StandardScaler(), numeric), ("categorical", encoder, categorical)],
        verbose_feature_names_out=False,
    )
    return transformer.set_output(transform="pandas")


def make_model(sampler, classifier, preprocessor=None):
    first = StandardScaler() if preprocessor is None else preprocessor
    steps = [first] + ([sampler] if sampler is not None else []) + [classifier]
    return make_pipeline(*steps)


# ------------------------------------------------------------------ evaluation
def folds(seed):
    return StratifiedKFold(n_splits=N_FOLDS, shuffle=True, random_state=seed)


def evaluate(X, y, sampler, classifier, seed, preprocessor=None):
    """Mean of each metric over the folds for one (sampler, classifier) pair."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitFailedWarning)
        warnings.simplefilter("ignore", UserWarning)
        scores = cross_validate(
            make_model(sampler, classifier, preprocessor), X, y, cv=folds(seed), scoring=SCORING, error_score="raise"
        )
    return {metric: float(np.mean(scores[f"test_{metric}"])) for metric in SCORING}


def count_unchanged_folds(X, y, sampler, seed, preprocessor=None):
    """Training folds (scaled, as in the pipeline) on which the sampler added no row: ``(empty, failed)``.

    ``failed``: the folds on which an ``UnchangedOnError`` sampler raised; ``None`` for
    other samplers (they cannot fail quietly).
    """
    if sampler is None:
        return 0, None
    may_fail = isinstance(sampler, UnchangedOnError)
    if may_fail:
        sampler = sampler.sampler
    empty = failed = 0
    for train, _ in folds(seed).split(X, y):
        rows = X.iloc[train] if hasattr(X, "iloc") else X[train]
        X_train = (StandardScaler() if preprocessor is None else clone(preprocessor)).fit_transform(rows)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FitFailedWarning)
            warnings.simplefilter("ignore", UserWarning)
            try:
                _, y_res = clone(sampler).fit_resample(X_train, y[train])
            except ValueError:
                if not may_fail:
                    raise
                failed += 1
                continue
        empty += int(len(y_res) == len(train))
    return empty, (failed if may_fail else None)


def run(problems, samplers, classifiers, seed):
    """Scores of every (problem, classifier, sampler); empty and failed folds per (problem, sampler).

    ``failed`` only holds the samplers that may fail (``UnchangedOnError``).
    """
    rows, empty, failed = [], {}, {}
    for name, (family, X, y) in problems.items():
        for sampler_name in samplers:
            preprocessor = make_preprocessor(sampler_name, X)
            n_empty, n_failed = count_unchanged_folds(X, y, make_sampler(sampler_name, seed), seed, preprocessor)
            empty[(name, sampler_name)] = n_empty
            if n_failed is not None:
                failed[(name, sampler_name)] = n_failed
            for classifier_name in classifiers:
                start = time.perf_counter()
                sampler, classifier = make_sampler(sampler_name, seed), make_classifier(classifier_name, seed)
                scores = evaluate(X, y, sampler, classifier, seed, preprocessor)
                rows.append(
                    {
                        "problem": name,
                        "family": family,
                        "classifier": classifier_name,
                        "sampler": sampler_name,
                        **scores,
                        "seconds": round(time.perf_counter() - start, 3),
                    }
                )
    return rows, empty, failed


def summarize(rows, samplers):
    """Means per sampler, over all rows and per problem family, classifier and problem."""
    summary = {"all": {}, **{key: {} for key in SCOPES}}
    for sampler in samplers:
        mine = [r for r in rows if r["sampler"] == sampler]
        summary["all"][sampler] = _means(mine)
        for key in SCOPES:
            for value in sorted({r[key] for r in mine}):
                summary[key].setdefault(value, {})[sampler] = _means([r for r in mine if r[key] == value])
    return summary


def _means(rows):
    return {metric: round(float(np.mean([r[metric] for r in rows])), 4) for metric in SCORING}


# ------------------------------------------------------------------ output
def print_tables(rows, empty, failed, summary, samplers):
    metrics = list(SCORING)
    print("| problem | classifier | " + " | ".join(f"{s} G / F1 / AP" for s in samplers) + " |")
    print("|---|---|" + "---:|" * len(samplers))
    for problem in dict.fromkeys(r["problem"] for r in rows):
        for classifier in dict.fromkeys(r["classifier"] for r in rows):
            cells = []
            for sampler in samplers:
                match = [
                    r for r in rows if (r["problem"], r["classifier"], r["sampler"]) == (problem, classifier, sampler)
                ]
                cells.append(" / ".join(f"{match[0][m]:.3f}" for m in metrics) if match else "")
            print(f"| {problem} | {classifier} | " + " | ".join(cells) + " |")
    print()
    print("| scope | sampler | G-mean | F1 | AP |")
    print("|---|---|---:|---:|---:|")
    for scope, table in [("all", {"all": summary["all"]}), *((k, summary[k]) for k in ("family", "classifier"))]:
        for value, per_sampler in table.items():
            for sampler in samplers:
                m = per_sampler[sampler]
                print(f"| {value} | {sampler} | {m['g_mean']:.4f} | {m['f1']:.4f} | {m['average_precision']:.4f} |")
    print()
    print("Empty folds (sampler returned the data unchanged), of", N_FOLDS, "per problem:")
    _print_fold_counts(empty, samplers)
    if failed:
        print("Failed folds (sampler raised; the fold was scored on the unchanged data), of", N_FOLDS, "per problem:")
        _print_fold_counts(failed, [s for s in samplers if any(key[1] == s for key in failed)])


def _print_fold_counts(counts, samplers):
    for sampler in samplers:
        total = sum(v for (p, s), v in counts.items() if s == sampler)
        where = {p: v for (p, s), v in counts.items() if s == sampler and v}
        print(f"  {sampler}: {total} {where if where else ''}")
    print()


def machine():
    import imblearn
    import sklearn

    try:
        from importlib.metadata import version

        extra = version("imbalanced-learn-extra")
    except Exception:
        extra = None
    return {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scikit-learn": sklearn.__version__,
        "imbalanced-learn": imblearn.__version__,
        "imbalanced-learn-extra": extra,
        "date": datetime.date.today().isoformat(),
    }


def mean_over_seeds(summaries):
    """The mean of per-seed summaries, scope by scope (the scopes of the first seed)."""
    return _over_seeds(summaries, np.mean)


def sd_over_seeds(summaries):
    """The standard deviation (ddof 1) of per-seed summaries, scope by scope."""
    return _over_seeds(summaries, lambda values: np.std(values, ddof=1))


def _over_seeds(summaries, reduce):
    def metrics(per_seed):
        return {metric: round(float(reduce([m[metric] for m in per_seed])), 4) for metric in SCORING}

    first = summaries[0]
    result = {"all": {sampler: metrics([s["all"][sampler] for s in summaries]) for sampler in first["all"]}}
    for key in (k for k in first if k != "all"):
        result[key] = {
            value: {sampler: metrics([s[key][value][sampler] for s in summaries]) for sampler in per_sampler}
            for value, per_sampler in first[key].items()
        }
    return result


def print_seed_table(summaries, seeds, samplers, metric="g_mean"):
    """``metric`` per scope and sampler: each seed's mean, the mean and standard deviation over
    seeds, and the paired difference from the first sampler (mean over seeds, standard error)."""
    print(f"{metric} per seed (" + ", ".join(map(str, seeds)) + "), its mean and SD over seeds, and the")
    print(f"per-seed difference from {samplers[0]} (mean, standard error):")
    print()
    header = " | ".join(f"seed {s}" for s in seeds)
    print(f"| scope | sampler | {header} | mean | SD | minus {samplers[0]} (se) |")
    print("|---|---|" + "---:|" * (len(seeds) + 3))
    means = mean_over_seeds(summaries)
    scopes = [("all", lambda s: s["all"])]
    scopes += [(value, lambda s, k=key, v=value: s[k][v]) for key in SCOPES if key in means for value in means[key]]
    for scope, pick in scopes:
        first = np.array([pick(s)[samplers[0]][metric] for s in summaries])
        for sampler in samplers:
            values = np.array([pick(s)[sampler][metric] for s in summaries])
            diff = values - first
            se = diff.std(ddof=1) / np.sqrt(len(diff))
            cells = [f"{v:.4f}" for v in values]
            print(
                f"| {scope} | {sampler} | "
                + " | ".join(cells)
                + f" | {values.mean():.4f} | {values.std(ddof=1):.4f} | {diff.mean():+.4f} ({se:.4f}) |"
            )
    print()


def run_seed(seed, samplers, families, quick):
    """One seed's document: scores, fold counts and summary."""
    families = families or NUMERIC_FAMILIES
    problems = {name: p for name, p in load_problems(seed, quick).items() if p[0] in families}
    if not problems:
        raise SystemExit(f"no problem of the families {families}")
    classifiers = MIXED_CLASSIFIERS if "mixed" in families else CLASSIFIERS[:2] if quick else CLASSIFIERS
    rows, empty, failed = run(problems, samplers, classifiers, seed)
    summary = summarize(rows, samplers)
    print(f"## seed {seed}")
    print()
    print_tables(rows, empty, failed, summary, samplers)
    return {
        "seed": seed,
        "problems": {
            name: {"family": f, "rows": len(y), "minority": int(y.sum()), "features": int(X.shape[1])}
            for name, (f, X, y) in problems.items()
        },
        "empty_folds": {f"{p}/{s}": v for (p, s), v in empty.items()},
        **({"failed_folds": {f"{p}/{s}": v for (p, s), v in failed.items()}} if failed else {}),
        "summary": summary,
        "rows": rows,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="three problems, two classifiers (mixed: one problem)")
    parser.add_argument("--seed", type=int, default=0, help="the seed of data, folds and samplers (default 0)")
    parser.add_argument(
        "--seeds",
        type=int,
        nargs="+",
        metavar="SEED",
        help="several seeds: each seed's tables, then G-mean and F1 per seed, their mean and SD",
    )
    parser.add_argument(
        "--families",
        nargs="+",
        choices=FAMILIES,
        metavar="FAMILY",
        help=f"only these problem families ({' '.join(FAMILIES)}; default: all but mixed, which runs alone)",
    )
    parser.add_argument("--json", help="also write the JSON document to this file")
    parser.add_argument(
        "--samplers",
        nargs="+",
        type=check_sampler_name,
        metavar="NAME",
        help=f"samplers to compare, in this order (default: {' '.join(SAMPLERS)}; optional: {' '.join(OPTIONAL_SAMPLERS)}; "
        f"the mixed family's default: {' '.join(MIXED_SAMPLERS)}); "
        "NAME:param=value,... changes parameters of a sampler, e.g. ours_defaults:size_ratio=1.0",
    )
    args = parser.parse_args(argv)
    mixed = args.families is not None and "mixed" in args.families
    if mixed and len(set(args.families)) > 1:
        parser.error("the mixed family runs alone (its samplers and classifier are its own)")
    samplers = list(dict.fromkeys(args.samplers or (MIXED_SAMPLERS if mixed else SAMPLERS)))
    seeds = args.seeds if args.seeds else [args.seed]
    start = time.perf_counter()
    documents = [run_seed(seed, samplers, args.families, args.quick) for seed in seeds]
    if len(seeds) > 1:
        for metric in ("g_mean", "f1"):
            print_seed_table([d["summary"] for d in documents], seeds, samplers, metric)
    document = {
        "benchmark": "quality of over-sampling (issues 7 and 23)",
        "quick": args.quick,
        "families": args.families,
        "machine": machine(),
        "seconds": round(time.perf_counter() - start, 1),
    }
    if len(seeds) == 1:
        document.update(documents[0])
    else:
        document.update(
            {
                "seeds": seeds,
                "mean_over_seeds": mean_over_seeds([d["summary"] for d in documents]),
                "sd_over_seeds": sd_over_seeds([d["summary"] for d in documents]),
                "per_seed": documents,
            }
        )
    text = json.dumps(document, indent=1)
    print(text)
    if args.json:
        with open(args.json, "w") as handle:
            handle.write(text + "\n")
    return document


if __name__ == "__main__":
    main()
