-- A revision of the device registry, bumped in the same transaction as every change to a device's registered facts
-- (registration, kind, area, location, attributes, enabled, token rotation and revocation, removal) but not by its
-- presence (online, last_seen), which changes all the time. The dashboard keeps the registry in memory and reads it
-- again only when the revision moved, whichever process or statement changed it (API, CLI, plain SQL). One row; a
-- table, not a sequence, so that a reader never sees a revision before the change it counts is committed.
CREATE TABLE registry_revision (
  only_row  boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  revision  bigint NOT NULL
);
INSERT INTO registry_revision (revision) VALUES (1);

-- Once per transaction: a row it already updated carries its id in xmin (a bulk registration inserts row by row).
CREATE FUNCTION bump_registry_revision() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE registry_revision SET revision = revision + 1 WHERE xmin <> pg_current_xact_id()::xid; RETURN NULL; END $$;

CREATE TRIGGER devices_registry_revision
  AFTER INSERT OR DELETE OR UPDATE OF id, kind, area_id, lat, lon, attributes, enabled, revoked_at, created_at, updated_at ON devices
  FOR EACH STATEMENT EXECUTE FUNCTION bump_registry_revision();
CREATE TRIGGER devices_registry_revision_truncate AFTER TRUNCATE ON devices FOR EACH STATEMENT EXECUTE FUNCTION bump_registry_revision();

-- Device ids as the registry accepts them (DEVICE_ID_PATTERN in core/src/topics.ts), also for plain SQL: the device
-- list reads ids in tab-separated lines. NOT VALID: rows already stored are not checked.
ALTER TABLE devices ADD CONSTRAINT devices_id_pattern CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$') NOT VALID;
