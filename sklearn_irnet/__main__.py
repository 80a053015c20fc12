"""``python -m sklearn_irnet``: the same command line as ``sklearn-irnet``."""

import sys

from .cli import main

sys.exit(main())
