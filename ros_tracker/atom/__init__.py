"""ATOM: Accurate Tracking by Overlap Maximization (Danelljan, Bhat, Khan, Felsberg; CVPR 2019)."""
