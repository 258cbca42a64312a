"""`python -m mockserver` runs the CLI."""

import sys

from mockserver.cli import main

sys.exit(main())
