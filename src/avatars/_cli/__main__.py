"""`python -m avatars._cli`: the `avatars` command."""

import sys

from avatars._cli import main

sys.exit(main())
