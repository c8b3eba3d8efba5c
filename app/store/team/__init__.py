"""Team projects: a project in a PostgreSQL database that several labellers work on at once."""

from app.store.team.address import TeamAddress, is_team_location

__all__ = ["TeamAddress", "is_team_location"]
