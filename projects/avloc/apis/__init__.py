"""Inference API: build a localizer from a config or a model-zoo name."""
