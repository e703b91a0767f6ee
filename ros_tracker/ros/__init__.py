"""The thin ROS 2 layer: nodes, message conversions, launch helpers; the only one importing ROS."""
