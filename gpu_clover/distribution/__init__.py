"""Distribution stage: how many synthetic rows each (cluster, class) group receives."""

from ._base import BaseDistributor
from ._density import DensityDistributor

__all__ = ["BaseDistributor", "DensityDistributor"]
