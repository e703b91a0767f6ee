"""What the tracker node decides, free of ROS: the tracking session and its lost logic, the
frame buffer that pairs an init box with its frame, detector-driven initialization and the
debug overlay. The ROS layer (ros_tracker.ros) only moves messages in and out."""
