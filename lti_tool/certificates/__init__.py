"""Certificates of completion: who deserves one (`eligibility`), issuing and revoking
(`issuing`), the PDF (`pdf`, `wording`), public verification (`verification`), pages (`views`)
and admin commands (`cli`). A certificate exists exactly when it is deserved, at once."""
