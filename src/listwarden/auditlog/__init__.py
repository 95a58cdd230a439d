"""auditlog layer."""
