"""What every page shares: error pages, security headers, locale, templates and static files."""
