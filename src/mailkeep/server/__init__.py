"""``mailkeep serve``: one process running every listener (web access now; later the admin API,
IMAP, SMTP and the job scheduler), TLS certificates and structured logs."""
