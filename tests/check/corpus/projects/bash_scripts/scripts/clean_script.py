# expect: none
"""A script with nothing to report: settings come from the environment."""

import os
import sys

print(os.environ["WAREHOUSE_URL"], sys.argv[1:])
