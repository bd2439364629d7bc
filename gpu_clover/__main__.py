"""``python -m gpu_clover``: the ``gpu-clover`` command."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
