"""The neighbour stage: k nearest neighbours and distance sums inside every (cluster, class) group.

Exact tiles for groups up to ``EXACT_MAX_ROWS`` rows; above, a cell search whose budget
follows a measured recall, and sampled distance sums (``search="auto"``), or every pair
(``search="exact"``).
"""

from ._estimator import is_neighbors_estimator
from ._group_neighbors import DENSITY_PAIRS, EXACT_MAX_ROWS, SEARCH_MODES, GroupNeighbors

__all__ = ["DENSITY_PAIRS", "EXACT_MAX_ROWS", "SEARCH_MODES", "GroupNeighbors", "is_neighbors_estimator"]
