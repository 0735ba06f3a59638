-- Device commands sent through the IOC (core/src/device-commands.ts) and what became of each: `sent` until the device
-- acks it (`acked`, or `failed` with its detail) or it expires without an ack (`expired`). No foreign key to devices:
-- a removed device's commands stay, as its telemetry does. `seq` orders commands sent in the same millisecond.
CREATE TABLE device_commands (
  id          text PRIMARY KEY,
  seq         bigserial NOT NULL,
  device_id   text NOT NULL,
  type        text NOT NULL,
  args        jsonb NOT NULL,
  status      text NOT NULL CHECK (status IN ('sent', 'acked', 'failed', 'expired')),
  detail      text,
  expires     timestamptz NOT NULL,
  created_at  timestamptz NOT NULL,
  created_by  text NOT NULL,
  updated_at  timestamptz NOT NULL
);
CREATE INDEX device_commands_device_idx ON device_commands (device_id, created_at DESC, seq DESC);
-- The expiry sweep reads only the commands still waiting for their ack.
CREATE INDEX device_commands_waiting_idx ON device_commands (expires) WHERE status = 'sent';
