-- An archived dashboard leaves the list and loses its share links, and can be restored.
ALTER TABLE dashboards ADD COLUMN archived_at INTEGER;
-- The longest life, in days, an organisation's admins allow a share link.
ALTER TABLE organisations ADD COLUMN share_link_max_days INTEGER NOT NULL DEFAULT 90;
