"""Doors into the pipeline: wrappers for logger calls and tracking backends."""
