"""Images of items: verified raster pictures stored by the SHA-256 of their bytes (ADR 0024).

Stored item HTML refers to a picture as `<img src="media:SHA256" alt="...">`; the web layer
turns that into its own URL when it renders a page. Nothing here knows about HTTP.
"""
