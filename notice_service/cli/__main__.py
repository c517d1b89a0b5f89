"""``python -m notice_service.cli``: the same as the ``notice-service`` command."""

import sys

from notice_service.cli import main

sys.exit(main())
