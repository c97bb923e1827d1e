"""Directory services: reading users from LDAP, Active Directory, MDaemon or a CSV file,
synchronising them into mailkeep's users, and logging them on with their directory password."""
