"""The administration API: MailStore Server's wire protocol over mailkeep.

``registry.py`` (commands and their arguments), ``operations.py`` (long-running commands in the
background), ``envelope.py`` (the JSON envelope), ``auth.py`` (Basic authentication of
administrators), ``app.py`` (the Starlette application), ``commands/`` (one module per area),
``local.py`` (the management shell runs the same commands in-process).
"""
