"""The thin ROS 2 layer: nodes, message conversions and launch helpers. Only this package imports ROS."""
