"""The named-event catalogue and the audit log it feeds."""
