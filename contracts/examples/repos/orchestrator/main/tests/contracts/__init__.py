"""Cross-repo contract tests: the orchestrator's use of Core's health DTOs."""
