import sys

from qpvcli.cli import main

sys.exit(main())
