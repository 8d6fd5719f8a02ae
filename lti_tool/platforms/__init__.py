"""Platform registrations (Moodle sites), their deployments, and the tool's own key pairs."""
