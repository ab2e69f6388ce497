"""The one version string of avloc; setup.py and CHANGELOG.md follow it."""
__version__ = '0.1.0'
