"""The embedded "people" model pack: MediaPipe 0.10.21 TFLite models with our own decoders."""
