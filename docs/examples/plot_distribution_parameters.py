"""
How ``size_ratio`` and ``distances_exponent`` share the rows among clusters
===========================================================================

:class:`~gpu_clover.KMeansSMOTE` gives each cluster a share of a class's synthetic rows.
With ``size_ratio=0`` the share follows the density rule only: a cluster's share grows with
its rows' mean distance to the power ``distances_exponent`` over its number of rows.
``size_ratio`` mixes in SMOTE's allocation (in proportion to each cluster's rows of the
class); 1.0 is SMOTE's.

On these 30-feature data the clusters' mean distances are close, so exponents up to 2 give
nearly the same shares; ``"auto"`` (the number of features, cluster-over-sampling's rule)
raises the small differences to the 30th power and the sparsest cluster takes more. The
filter is switched off so that every cluster holding the class takes part.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_classification

from gpu_clover import KMeansSMOTE

X, y = make_classification(
    n_samples=3000, n_features=30, n_informative=20, weights=[0.93], n_clusters_per_class=3, random_state=3
)


def shares(**params):
    """The fitted distributor's share of the minority class per cluster, largest first."""
    # No filter, so every cluster holding the class takes part.
    sampler = KMeansSMOTE(
        kmeans_estimator=8, imbalance_ratio_threshold=float("inf"), random_state=0, backend="numpy", **params
    )
    sampler.fit_resample(X, y)
    values = [share for (cluster, label), share in sampler.distributor_.intra_distribution_.items() if label == 1]
    return np.sort(values)[::-1]


fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), sharey=True)
for ratio in [0.0, 0.25, 0.5, 1.0]:
    axes[0].plot(shares(size_ratio=ratio, distances_exponent="auto"), "o-", label=f"size_ratio={ratio}")
for exponent in [0.5, 1.0, 2.0, "auto"]:
    label = f"distances_exponent={exponent}" + (" (30 features)" if exponent == "auto" else "")
    axes[1].plot(shares(size_ratio=0.0, distances_exponent=exponent), "o-", label=label)
axes[0].set_title('distances_exponent="auto"')
axes[1].set_title("size_ratio=0.0")
for ax in axes:
    ax.set_xlabel("clusters that receive rows, largest share first")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(fontsize=8)
axes[0].set_ylabel("share of the minority's synthetic rows")
fig.tight_layout()
plt.show()
