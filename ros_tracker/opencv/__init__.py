"""Classical and light OpenCV trackers: CPU baselines and peers to benchmark against."""
