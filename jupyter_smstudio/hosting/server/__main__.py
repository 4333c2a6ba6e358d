"""``python -m jupyter_smstudio.hosting.server``: serve the model described by the environment."""

import sys

from .master import main

sys.exit(main())
