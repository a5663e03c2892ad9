import market_data_core


def test_core_version_imports():
    from market_data_core.protocols import FeedbackPublisher, RateController  # noqa: F401
    from market_data_core.telemetry import BackpressureLevel, FeedbackEvent, RateAdjustment  # noqa: F401

    major, minor = (int(p) for p in market_data_core.__version__.split(".")[:2])
    assert (major, minor) >= (1, 1)
