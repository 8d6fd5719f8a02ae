"""The course roster: every member of the course from the platform's Names and Role
Provisioning Service (NRPS), with each learner's standing in the placement (not started, in
progress, passed, best score), cached and refreshed on demand (ADR 0021)."""
