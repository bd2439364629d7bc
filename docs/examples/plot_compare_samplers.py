"""
SMOTE, KMeans-SMOTE, SOMO and G-SOMO on minority sub-clusters
=============================================================

A 2-D problem whose minority class forms sub-clusters of very different sizes, with the
majority between them and a few isolated minority rows inside it (SMOTE's documented failure
mode). Each panel's title gives the share of synthetic rows whose nearest original row is a
majority row, a rough measure of rows placed on majority ground; on real problems the
differences in classifier scores are small (see :ref:`choosing`).
"""

import matplotlib.pyplot as plt
import numpy as np

from gpu_clover import SMOTE, SOMO, GeometricSOMO, KMeansSMOTE

rng = np.random.default_rng(0)
majority = rng.uniform(-4, 4, size=(1200, 2))
minority = np.vstack(
    [
        rng.normal([-2.5, -2.5], 0.35, size=(50, 2)),
        rng.normal([2.5, 2.0], 0.6, size=(25, 2)),
        rng.normal([0.0, 2.8], 0.25, size=(12, 2)),
        rng.uniform(-4, 4, size=(8, 2)),  # isolated rows inside the majority
    ]
)
X = np.vstack([majority, minority])
y = np.r_[np.zeros(len(majority), int), np.ones(len(minority), int)]

samplers = {
    "SMOTE": SMOTE(random_state=0, backend="numpy"),
    "KMeansSMOTE": KMeansSMOTE(kmeans_estimator=12, random_state=0, backend="numpy"),
    "SOMO": SOMO(random_state=0, backend="numpy"),
    "GeometricSOMO": GeometricSOMO(random_state=0, backend="numpy"),
}

fig, axes = plt.subplots(1, 5, figsize=(17, 3.6), sharex=True, sharey=True)
axes[0].scatter(*majority.T, s=3, c="lightgray")
axes[0].scatter(*minority.T, s=6, c="tab:red")
axes[0].set_title("original")
for ax, (name, sampler) in zip(axes[1:], samplers.items()):
    X_res, y_res = sampler.fit_resample(X, y)
    synthetic = X_res[len(X) :]
    ax.scatter(*majority.T, s=3, c="lightgray")
    ax.scatter(*synthetic.T, s=2, c="tab:blue", alpha=0.5)
    ax.scatter(*minority.T, s=6, c="tab:red")
    # The share of synthetic rows whose nearest original row is a majority row.
    nearest = np.argmin(((synthetic[:, None, :] - X[None, :, :]) ** 2).sum(-1), axis=1)
    on_majority = float(np.mean(y[nearest] == 0))
    ax.set_title(f"{name}\n{on_majority:.0%} nearest a majority row", fontsize=10)
    print(f"{name:14s} {len(synthetic)} synthetic rows, {on_majority:.1%} nearest a majority row")
fig.tight_layout()
plt.show()
