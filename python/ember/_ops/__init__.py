"""Op families: each module defines functions (exported from ``ember``) and attaches Tensor methods."""
