"""`python -m harvest.cli …`: the same as the `harvest` command."""

import sys

from harvest.cli.main import main

sys.exit(main())
