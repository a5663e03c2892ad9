"""Cross-repo contract tests: the store's compatibility with Core DTOs.

Core's CI runs them against any Core ref. Keep them lean and focused on
the contract boundary.
"""
