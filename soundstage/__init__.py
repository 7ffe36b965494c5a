"""soundstage: an open, self-hosted generative-audio server that speaks fal's queue protocol."""

__version__ = "0.1.0"
__all__ = ["__version__"]
