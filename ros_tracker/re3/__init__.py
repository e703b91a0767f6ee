"""Re3 (Gordon et al., RA-L 2018) and its ResidualRe3 and DenseRe3 variants (Garcea et al.)."""
