"""``python -m ros_tracker.cli`` (what torchrun runs) is ``ros-tracker``."""

import sys

from ros_tracker.cli import main

sys.exit(main())
