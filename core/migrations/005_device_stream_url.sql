-- Where a device serves its media (a camera's MJPEG stream); set by whoever runs the device, read by the dashboard.
ALTER TABLE devices ADD COLUMN IF NOT EXISTS stream_url TEXT;
