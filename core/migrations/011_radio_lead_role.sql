-- Radio leads: radio staff who also approve broadcasts.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('admin', 'operator', 'radio_lead', 'radio', 'viewer'));
