"""Where a launch lands: the learner's and the instructor's first page."""
