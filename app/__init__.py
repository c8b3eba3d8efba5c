"""LabelAssist: desktop image annotation with model-assisted labelling."""

__version__ = "0.1.0"
