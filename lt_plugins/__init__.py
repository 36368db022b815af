"""lt_plugins: class-difficulty based long-tailed learning for OpenMMLab."""
__version__ = '0.1.0'
