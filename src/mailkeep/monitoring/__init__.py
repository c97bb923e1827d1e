"""Monitoring from outside: the Nagios/Icinga plugin ``check_mailkeep`` (an API client)."""
