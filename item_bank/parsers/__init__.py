"""Readers of the supported file formats. Each turns bytes into the raw authoring-format dict
(the YAML shape) plus issues it found on the way; `validation` does the rest."""
