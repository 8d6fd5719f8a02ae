"""Serving the item bank's pictures (item_bank.media) to pages."""
