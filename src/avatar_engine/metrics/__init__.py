"""Privacy and signal metrics of avatars against their originals."""

from avatar_engine.metrics.privacy import compute_privacy_metrics
from avatar_engine.metrics.signal import compute_signal_metrics

__all__ = ["compute_privacy_metrics", "compute_signal_metrics"]
