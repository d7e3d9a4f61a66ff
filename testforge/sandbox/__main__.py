"""`python -m testforge.sandbox`: see testforge/sandbox/main.py."""

import sys

from testforge.sandbox.main import main

sys.exit(main())
