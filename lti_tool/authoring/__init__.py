"""Authoring inside the launch: staff of platforms an admin allowed (`flask item-bank authors
allow`) upload banks, read the import report before anything is stored, preview items in every
language with the key marked, change rules and pool draws, publish and archive (issue 11)."""
