"""Cross-repo contract tests: what the pipeline relies on from market-data-core.

Core's CI runs them against any Core ref. Async code runs through
asyncio.run inside plain tests, so no pytest plugin is needed.
"""
