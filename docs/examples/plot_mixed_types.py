"""
A table with string columns: SMOTE-NC in clusters
=================================================

A churn-like customer table: three string columns (plan, region, device) beside four numeric
ones, 5 % churners. gpu_clover's samplers take the strings as categories (the default
``categorical_features="auto"`` picks pandas string, object, category and bool columns):
numeric values are interpolated, and each synthetic row's category is the most frequent
among the k nearest neighbours of the row it starts from, SMOTE-NC's rule. The table comes
back with the same columns and dtypes, and only categories that the churners hold. See
:doc:`/user_guide/mixed`.
"""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from imblearn.metrics import geometric_mean_score
from imblearn.over_sampling import SMOTENC
from imblearn.pipeline import Pipeline
from sklearn.compose import make_column_transformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import make_scorer
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.preprocessing import OrdinalEncoder
from threadpoolctl import threadpool_limits

from gpu_clover import SMOTE, KMeansSMOTE

# %%
# The table
# ---------
# Churn depends on the plan, the region and the device as well as on the numeric columns;
# the 5 % of rows with the highest risk churn (plus a little label noise).

rng = np.random.default_rng(0)
n = 4000
plans = np.array(["basic", "standard", "premium", "family"])
regions = np.array(["north", "south", "east", "west", "centre", "islands"])
devices = np.array(["android", "ios", "web"])
table = pd.DataFrame(
    {
        "plan": plans[rng.choice(4, n, p=[0.4, 0.3, 0.2, 0.1])],
        "tenure_months": rng.gamma(2.0, 12.0, n).round(1),
        "region": regions[rng.choice(6, n)],
        "monthly_charge": rng.normal(45, 12, n).round(2),
        "device": devices[rng.choice(3, n, p=[0.5, 0.3, 0.2])],
        "support_calls": rng.poisson(1.5, n).astype(float),
        "data_gb": rng.lognormal(1.5, 0.6, n).round(2),
    }
)
risk = (
    -0.06 * table["tenure_months"]
    + 0.5 * table["support_calls"]
    + 0.03 * table["monthly_charge"]
    + table["plan"].map({"basic": 0.8, "standard": 0.2, "premium": -0.4, "family": -0.8})
    + table["region"].map({"islands": 1.0, "north": 0.3}).fillna(0.0)
    + table["device"].map({"web": 0.7, "android": 0.0, "ios": -0.3})
    + rng.normal(0, 0.8, n)
)
y = (risk > np.quantile(risk, 0.95)).astype(int)
print(table.dtypes.to_string())
print(f"\n{n} rows, {y.sum()} churners ({y.mean():.0%})")

# %%
# Resampling the table
# --------------------
# The categorical columns are found by their dtype; their distance is SMOTE-NC's (a penalty of
# ``med^2`` per differing category), in the neighbour search and, for KMeansSMOTE, in the
# k-means clustering too.

churners = table[y == 1]
for sampler in (SMOTE(random_state=0, backend="numpy"), KMeansSMOTE(random_state=0, backend="numpy")):
    X_res, y_res = sampler.fit_resample(table, y)
    synthetic = X_res.iloc[n:]
    same = list(X_res.columns) == list(table.columns) and X_res.dtypes.equals(table.dtypes)
    print(f"\n{type(sampler).__name__}: {len(synthetic)} synthetic rows, {np.bincount(y_res)} per class")
    print(f"  same columns and dtypes: {same}")
    for column in ["plan", "region", "device"]:
        shares = synthetic[column].value_counts(normalize=True).round(2).to_dict()
        observed = set(synthetic[column]) <= set(churners[column])
        print(f"  {column:7s} only churners' categories: {observed}; shares {shares}")

print("\nthe churners' own shares:")
for column in ["plan", "region", "device"]:
    print(f"  {column:7s} {churners[column].value_counts(normalize=True).round(2).to_dict()}")

# %%
# The synthetic rows hold only the churners' categories, but not in the churners' shares: the
# most frequent category among a row's neighbours is more often the class's common one, so
# SMOTE-NC's rule sharpens the shares, and a category that few churners hold (here the
# "family" plan) may not be generated at all. That is the method's rule, imbalanced-learn's
# SMOTENC included.

# %%
# In a cross-validated pipeline
# -----------------------------
# The sampler runs on the training folds only, on the string columns as they are; after it an
# ordinal encoder hands the categories to a HistGradientBoostingClassifier, which splits on
# them natively. imbalanced-learn's SMOTENC is the same method without clusters.

categorical = ["plan", "region", "device"]


def model(sampler):
    encode = make_column_transformer(
        (OrdinalEncoder(), categorical), remainder="passthrough", verbose_feature_names_out=False
    ).set_output(transform="pandas")
    classifier = HistGradientBoostingClassifier(categorical_features=categorical, max_iter=60, random_state=0)
    steps = [("sampler", sampler)] if sampler is not None else []
    return Pipeline([*steps, ("encode", encode), ("classifier", classifier)])


candidates = {
    "no resampling": None,
    "imblearn SMOTENC": SMOTENC(categorical_features=categorical, random_state=0),
    "gpu_clover SMOTE": SMOTE(random_state=0, backend="numpy"),
    "gpu_clover KMeansSMOTE": KMeansSMOTE(random_state=0, backend="numpy"),
}
scoring = {"balanced accuracy": "balanced_accuracy", "G-mean": make_scorer(geometric_mean_score)}
folds = StratifiedKFold(4, shuffle=True, random_state=0)
scores = {}
with threadpool_limits(1, user_api="openmp"):  # fits this small gain nothing from threads on shared cores
    for name, sampler in candidates.items():
        result = cross_validate(model(sampler), table, y, scoring=scoring, cv=folds)
        scores[name] = [result[f"test_{metric}"].mean() for metric in scoring]
        print(f"{name:24s}" + "".join(f"  {metric} {value:.3f}" for metric, value in zip(scoring, scores[name])))

# %%
# On this table over-sampling lifts both scores above no resampling, and the over-samplers
# are close to each other: one split into four folds, not a ranking (see :ref:`choosing` for
# the quality study over many seeds).

fig, ax = plt.subplots(figsize=(7, 3.2))
width = 0.2
for i, (name, values) in enumerate(scores.items()):
    ax.bar(np.arange(len(scoring)) + (i - 1.5) * width, values, width, label=name)
ax.set_xticks(np.arange(len(scoring)), list(scoring))
ax.set_ylim(0.5, 1.0)
ax.set_ylabel("mean over 4 folds")
ax.legend(fontsize=8, loc="upper left")
fig.tight_layout()
plt.show()
