"""Measuring trackers on annotated video: accuracy, lost-flag quality and speed."""
