"""
A training pipeline on tensors: PyTorch in, PyTorch out
=======================================================

Over-sampling sits between the data and the model. PyTorch tensors (CPU or CUDA), JAX
arrays and Numba device arrays go into ``fit_resample`` without a copy (DLPack) and come
back in the same kind, on the same device, with the same dtype. Here the resampled tensors
feed a PyTorch ``DataLoader`` (a logistic model trained in mini-batches) and XGBoost
(``device="cuda"`` on a GPU), each trained with and without over-sampling.

This page is built on a CPU. Without PyTorch the mini-batch loop runs on NumPy arrays, and
without XGBoost scikit-learn's ``HistGradientBoostingClassifier`` stands in: the page says
which ran.
"""

import math

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import balanced_accuracy_score, f1_score
from sklearn.model_selection import train_test_split

from gpu_clover import KMeansSMOTE
from gpu_clover.backends import cuda_available

try:
    import torch
    from torch.utils.data import BatchSampler, DataLoader, RandomSampler, TensorDataset
except ImportError:
    torch = None
    print("PyTorch is not installed: the mini-batch loop runs on NumPy arrays instead of a DataLoader.")
try:
    import xgboost
except ImportError:
    xgboost = None
    print("XGBoost is not installed: scikit-learn's HistGradientBoostingClassifier stands in.")

GPU = cuda_available()  # CuPy sees a CUDA device: gpu_clover and XGBoost run there
EPOCHS, BATCH_SIZE, LEARNING_RATE = 5, 256, 0.1

# %%
# The data: a training set with 3 % positives, as tensors on the training device
# --------------------------------------------------------------------------------

X, y = make_classification(
    n_samples=10_000,
    n_features=12,
    n_informative=6,
    n_clusters_per_class=3,
    weights=[0.97],
    class_sep=1.0,
    random_state=0,
)
X = X.astype(np.float32)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)

if torch is not None:
    device = "cuda" if GPU and torch.cuda.is_available() else "cpu"
    X_fit, y_fit = torch.from_numpy(X_train).to(device), torch.from_numpy(y_train).to(device)
else:
    X_fit, y_fit = X_train, y_train


def describe(a):
    """An array's library, type, device and dtype, for the printed lines."""
    where = getattr(a, "device", "cpu")
    return f"{type(a).__module__.split('.')[0]}.{type(a).__name__} on {where}, {a.dtype}, shape {tuple(a.shape)}"


# %%
# Over-sample: the tensor type, device and dtype come back unchanged
# ------------------------------------------------------------------

sampler = KMeansSMOTE(kmeans_estimator=16, random_state=0, backend="auto")
X_res, y_res = sampler.fit_resample(X_fit, y_fit)
print("in: ", describe(X_fit))
print("out:", describe(X_res))
print("positives before and after:", int(y_fit.sum()), int(y_res.sum()))

# %%
# Two models, each trained on the imbalanced and on the over-sampled set
# ----------------------------------------------------------------------
#
# The mini-batch logistic model: a ``DataLoader`` over the tensors (each batch is one
# indexing of the tensors, so the batches stay on the device), or the same loop in NumPy.


def train_minibatch_logistic(X, y):
    """A logistic model trained by mini-batch SGD; returns a function that predicts 0/1 on NumPy rows."""
    if torch is None:
        return _numpy_minibatch_logistic(X, y)
    torch.manual_seed(0)
    model = torch.nn.Linear(X.shape[1], 1).to(X.device)
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    loss_function = torch.nn.BCEWithLogitsLoss()
    dataset = TensorDataset(X, y.to(X.dtype))
    batches = BatchSampler(RandomSampler(dataset, generator=torch.Generator().manual_seed(0)), BATCH_SIZE, False)
    for _ in range(EPOCHS):
        for X_batch, y_batch in DataLoader(dataset, sampler=batches, batch_size=None):
            optimizer.zero_grad()
            loss_function(model(X_batch).squeeze(1), y_batch).backward()
            optimizer.step()

    def predict(rows):
        with torch.no_grad():
            return (model(torch.from_numpy(rows).to(X.device)).squeeze(1) > 0).cpu().numpy().astype(int)

    return predict


def _numpy_minibatch_logistic(X, y):
    rng = np.random.default_rng(0)
    weights, bias = np.zeros(X.shape[1], dtype=X.dtype), 0.0
    for _ in range(EPOCHS):
        for batch in np.array_split(rng.permutation(len(X)), math.ceil(len(X) / BATCH_SIZE)):
            error = 1.0 / (1.0 + np.exp(-(X[batch] @ weights + bias))) - y[batch]
            weights -= LEARNING_RATE * (X[batch].T @ error) / len(batch)
            bias -= LEARNING_RATE * float(error.mean())
    return lambda rows: (rows @ weights + bias > 0).astype(int)


def train_boosted_trees(X, y):
    """XGBoost (on the GPU where there is one) or scikit-learn's histogram boosting."""
    X, y = as_model_input(X), as_model_input(y)
    if xgboost is None:
        model = HistGradientBoostingClassifier(max_iter=100, random_state=0).fit(X, y)
        return model.predict
    model = xgboost.XGBClassifier(
        n_estimators=100, tree_method="hist", device="cuda" if GPU else "cpu", random_state=0
    ).fit(X, y)
    return lambda rows: np.asarray(model.predict(as_model_input(rows)))


def as_model_input(a):
    """Tensors as the arrays XGBoost and scikit-learn take: CuPy on the GPU (no copy), NumPy on the host."""
    if torch is not None and isinstance(a, torch.Tensor):
        if a.is_cuda:
            import cupy

            return cupy.from_dlpack(a)
        return a.numpy()
    if GPU and xgboost is not None:
        import cupy

        return cupy.asarray(a)
    return a


trainers = {
    "logistic, mini-batch (PyTorch)" if torch is not None else "logistic, mini-batch (NumPy)": train_minibatch_logistic,
    "XGBoost" if xgboost is not None else "HistGradientBoosting": train_boosted_trees,
}
training_sets = {"imbalanced": (X_fit, y_fit), "KMeans-SMOTE": (X_res, y_res)}
scores = {}
for model_name, train in trainers.items():
    for set_name, (X_set, y_set) in training_sets.items():
        predicted = train(X_set, y_set)(X_test)
        scores[model_name, set_name] = {
            "balanced accuracy": balanced_accuracy_score(y_test, predicted),
            "F1 (positives)": f1_score(y_test, predicted),
        }
        print(f"{model_name:<32} {set_name:<13}", {k: round(v, 3) for k, v in scores[model_name, set_name].items()})

# %%
# The comparison
# --------------

fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), sharey=True)
positions = np.arange(len(trainers))
for ax, metric in zip(axes, ["balanced accuracy", "F1 (positives)"]):
    for offset, (set_name, colour) in zip((-0.2, 0.2), [("imbalanced", "tab:gray"), ("KMeans-SMOTE", "tab:blue")]):
        values = [scores[model_name, set_name][metric] for model_name in trainers]
        ax.bar(positions + offset, values, width=0.4, color=colour, label=set_name)
    ax.set_xticks(positions, list(trainers), fontsize=8)
    ax.set_title(metric)
    ax.set_ylim(0, 1)
axes[0].legend(loc="upper left")
fig.tight_layout()
plt.show()
