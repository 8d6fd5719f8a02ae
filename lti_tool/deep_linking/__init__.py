"""Placing an assessment in a course: the Deep Linking catalogue and response."""
