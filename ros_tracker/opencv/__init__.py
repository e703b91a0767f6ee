"""Classical OpenCV trackers: a baseline that runs on any CPU and needs no weights."""
