"""Who works on which image: a claim is a lease that expires unless it is renewed.

Opening an image claims it; a claim another workstation holds and has not let expire is refused. The
lease is kept on the server's clock (labellers' clocks differ), and granted in one statement, so two
workstations can never hold one image at once. A killed app or a lost connection releases nothing: its
claims simply expire, and nothing else waits for them.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.store.team.database import TeamDatabase

LEASE_SECONDS = 600
RENEW_SECONDS = 60  # renewed this often while the image stays open


@dataclass(frozen=True)
class Claim:
    image_id: int
    holder: str  # the labeller's name
    mine: bool
    expires_at: str  # ISO time on the server's clock


class Claims:
    """Claims of one team project, as one workstation (the database's session) makes them."""

    def __init__(self, database: TeamDatabase, lease_seconds: int = LEASE_SECONDS) -> None:
        self.database = database
        self.lease_seconds = lease_seconds

    def claim(self, image_id: int) -> Claim:
        """Claim (or renew) an image for this workstation; returns the claim that holds it now, which is
        another labeller's when they hold it."""
        db = self.database
        with db.transaction() as c:
            row = c.execute(
                "INSERT INTO claims(image_id, holder, session, expires_at) "
                "VALUES (?, ?, ?, now() + make_interval(secs => ?)) "
                "ON CONFLICT (image_id) DO UPDATE SET holder = excluded.holder, session = excluded.session, "
                "expires_at = excluded.expires_at "
                "WHERE claims.session = excluded.session OR claims.expires_at < now() "
                "RETURNING holder, expires_at",
                (image_id, db.who, db.session, self.lease_seconds),
            ).fetchone()
            if row is not None:
                return Claim(image_id, row[0], True, row[1].isoformat())
            held = c.execute(
                "SELECT holder, session, expires_at FROM claims WHERE image_id = ?", (image_id,)
            ).fetchone()
        return Claim(image_id, held[0], held[1] == db.session, held[2].isoformat())

    def release(self, image_id: int) -> None:
        """Give an image back (only this workstation's claim is removed)."""
        with self.database.transaction() as c:
            c.execute(
                "DELETE FROM claims WHERE image_id = ? AND session = ?", (image_id, self.database.session)
            )

    def release_all(self, keep: int | None = None) -> None:
        """Give back every image this workstation holds, but `keep`."""
        with self.database.transaction() as c:
            c.execute(
                "DELETE FROM claims WHERE session = ? AND image_id IS DISTINCT FROM ?",
                (self.database.session, keep),
            )

    def held(self, image_id: int | None = None) -> dict[int, Claim]:
        """Claims in force (of one image, or all): image id → claim."""
        where = "expires_at > now()" + (" AND image_id = ?" if image_id is not None else "")
        rows = self.database.execute(
            f"SELECT image_id, holder, session, expires_at FROM claims WHERE {where}",
            (image_id,) if image_id is not None else (),
        )
        session = self.database.session
        return {r[0]: Claim(r[0], r[1], r[2] == session, r[3].isoformat()) for r in rows}

    def next_unclaimed(
        self, after_path: str = "", statuses: tuple[str, ...] = ("new", "in_progress")
    ) -> int | None:
        """The first image (in path order, after `after_path`, wrapping round) still to do that no one
        else holds; None when there is none."""
        marks = ", ".join("?" * len(statuses))
        query = (
            "SELECT i.id FROM images i LEFT JOIN claims c ON c.image_id = i.id AND c.expires_at > now() "
            f"AND c.session <> ? WHERE i.status IN ({marks}) AND c.image_id IS NULL AND i.path > ? "
            "ORDER BY i.path LIMIT 1"
        )
        session = self.database.session
        for start in (after_path, ""):
            row = self.database.execute(query, (session, *statuses, start)).fetchone()
            if row is not None:
                return int(row[0])
        return None
