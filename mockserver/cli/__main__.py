"""`python -m mockserver.cli` runs the CLI, as `python -m mockserver` does."""

import sys

from mockserver.cli import main

sys.exit(main())
