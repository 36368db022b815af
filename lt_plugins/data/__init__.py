"""Data generation and LVIS annotation utilities (framework-free)."""
