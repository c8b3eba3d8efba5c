"""LabelAssist reference inference server (Open Inference Protocol v2 REST, annotation profile)."""

__version__ = "0.1.0"
