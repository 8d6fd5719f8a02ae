"""Signals between the tool's packages: a lower package announces, a higher one listens.

A package that must cause something in one that depends on it sends a signal here instead
of importing it (no import cycles, tests/unit/test_import_layers.py). Receivers are
connected once at app setup (`create_app`) and run synchronously, in the sender's unit of
work, so what they write commits or rolls back with it.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sender: the new `FormSubmission` (flushed, not yet committed). Keyword arguments:
# `session` (the unit of work's session) and `now` (the submission time).
form_submitted = _signals.signal("form_submitted")

# Asked before a learner starts an attempt: is there a step that starting would close for good
# (the entry questionnaire)? Sender: the `Placement`. Keyword arguments: `session` and
# `user_id`. Each receiver returns an `attempts.first_steps.FirstStep`, or None.
first_steps_asked = _signals.signal("first_steps_asked")
