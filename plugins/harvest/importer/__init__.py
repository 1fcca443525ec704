"""Import existing collections (Jekyll, Hugo, Material blog posts; JSON records; CSV rows) as stories.

Plain Python: `run_import(settings, Options(...)) -> ImportReport`. The `harvest import`
command (commands/import_.py) only parses arguments and prints the report.
"""

from harvest.importer.run import ImportReport, Options, run_import, target_folder  # noqa: F401
from harvest.importer.sources import KINDS  # noqa: F401
