"""Web access: server-rendered pages for users and administrators (Starlette + Jinja2)."""
