"""
Neighbour search on a large group: ``"auto"`` against ``"exact"``
==================================================================

Groups of more than 4096 rows are searched with a bounded cost under
``neighbor_search="auto"``: each row is compared with the rows of nearby cells only, and the
group's density comes from 65536 sampled pairs. ``"exact"`` compares every pair, at a cost
that grows with the square of the group. Here one cluster holds a 25,000-row minority
class: the neighbour stage's time (``stage_seconds_["neighbors"]``) and the density the
distributor sees, under both modes.
"""

import matplotlib.pyplot as plt
import numpy as np

from gpu_clover import KMeansSMOTE

rng = np.random.default_rng(0)
n_minority, n_features = 25_000, 8
X = np.vstack([rng.normal(0, 1, (n_minority, n_features)), rng.normal(1.5, 1, (n_minority + 5000, n_features))])
y = np.r_[np.ones(n_minority, int), np.zeros(n_minority + 5000, int)]

results = {}
for mode in ["auto", "exact"]:
    sampler = KMeansSMOTE(kmeans_estimator=1, neighbor_search=mode, random_state=0, backend="numpy")
    sampler.fit_resample(X, y)
    density = sampler.distributor_.clusters_density_[(0, 1)]
    results[mode] = (sampler.stage_seconds_["neighbors"], density)
    print(f"{mode:5s}: neighbours stage {results[mode][0]:.2f} s, minority density {density:.6g}")

error = abs(results["auto"][1] - results["exact"][1]) / results["exact"][1]
print(f"relative error of the sampled density: {error:.2%}")

fig, ax = plt.subplots(figsize=(5, 3.2))
ax.bar(list(results), [seconds for seconds, _ in results.values()], color=["tab:green", "tab:gray"])
ax.set_ylabel("neighbours stage (s)")
ax.set_title(f"{n_minority:,}-row group, {n_features} features; density error {error:.2%}")
fig.tight_layout()
plt.show()
