"""`python -m neurosim`."""

import sys

from neurosim.cli import main

sys.exit(main())
