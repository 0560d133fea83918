"""``python -m frlib``: see :mod:`frlib.cli`."""

import sys

from .cli import main

sys.exit(main())
