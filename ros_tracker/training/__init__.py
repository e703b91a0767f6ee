"""Training the Re3 family and ATOM's IoU-Net (no ROS imports)."""
