"""Archiving profiles and the jobs that run them: ledger, runner, scheduler, notifications."""
