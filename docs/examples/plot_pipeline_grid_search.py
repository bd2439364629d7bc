"""
A pipeline with grid search
===========================

The over-sampler is a step of an imbalanced-learn :class:`~imblearn.pipeline.Pipeline`, so it
runs on the training folds only; its parameters are searched like any other step's.
"""

import matplotlib.pyplot as plt
import numpy as np
from imblearn.pipeline import Pipeline
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from gpu_clover import KMeansSMOTE

X, y = make_classification(
    n_samples=2000, n_informative=5, weights=[0.94], n_clusters_per_class=3, flip_y=0.02, random_state=0
)
model = Pipeline(
    [
        ("sampler", KMeansSMOTE(random_state=0, backend="numpy")),
        ("classifier", LogisticRegression(max_iter=1000)),
    ]
)
grid = {
    "sampler__kmeans_estimator": [2, 8],
    "sampler__size_ratio": [0.0, 0.5, 1.0],
}
search = GridSearchCV(model, grid, scoring="balanced_accuracy", cv=StratifiedKFold(3, shuffle=True, random_state=0))
search.fit(X, y)
print("best:", search.best_params_, f"balanced accuracy {search.best_score_:.3f}")

scores = search.cv_results_["mean_test_score"].reshape(len(grid["sampler__kmeans_estimator"]), -1)
fig, ax = plt.subplots(figsize=(5, 3.5))
for row, n_clusters in zip(scores, grid["sampler__kmeans_estimator"]):
    ax.plot(grid["sampler__size_ratio"], row, "o-", label=f"{n_clusters} clusters")
ax.set_xlabel("size_ratio")
ax.set_ylabel("mean balanced accuracy (3 folds)")
ax.set_xticks(np.array(grid["sampler__size_ratio"]))
ax.legend()
fig.tight_layout()
plt.show()
