"""Where the package's installed files (config/, launch/) are: found the way ROS finds them,
so the command-line tools work from a colcon install or a wheel as well as from a checkout; and
the demo's video, which the system provides."""

from __future__ import annotations

import os
from pathlib import Path
import sys

PACKAGE = 'ros_tracker'
#: A source checkout: the package folder sits next to config/.
CHECKOUT = Path(__file__).resolve().parent.parent
#: Debian's opencv-doc package installs this real video on any Debian/Ubuntu machine.
DEMO_VIDEO = '/usr/share/doc/opencv-doc/examples/data/Megamind.avi'
#: The face on the demo video's frame 10 (x, y, w, h), the first frame after the fade-in.
DEMO_INIT_BOX = [235.0, 150.0, 160.0, 190.0]
DEMO_INIT_FRAME = 10


def share_directory() -> Path:
    """The package's share directory: in the ament index (AMENT_PREFIX_PATH, a colcon install
    or a ROS install), else under the interpreter's prefix (a wheel), else the checkout this
    module runs from (an editable install).

    Raises:
        FileNotFoundError: none of them holds config/.
    """
    prefixes = [Path(p) for p in os.environ.get('AMENT_PREFIX_PATH', '').split(os.pathsep) if p]
    candidates = [prefix / 'share' / PACKAGE for prefix in prefixes
                  if (prefix / 'share' / 'ament_index' / 'resource_index' / 'packages'
                      / PACKAGE).is_file()]
    candidates += [Path(sys.prefix) / 'share' / PACKAGE, CHECKOUT]
    for candidate in candidates:
        if (candidate / 'config').is_dir():
            return candidate
    raise FileNotFoundError(f'no config/ folder of {PACKAGE} in {[str(c) for c in candidates]}')


def config_file(tracker: str) -> Path:
    """The installed config/<tracker>.yaml."""
    return share_directory() / 'config' / f'{tracker}.yaml'
