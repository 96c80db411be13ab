"""Allow ``python -m rumormill.cli``."""

import sys

from . import main

sys.exit(main())
