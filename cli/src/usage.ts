export const USAGE = `Usage: ioc <command> [options]

Commands:
  start [service…]           run the IOC; no service = all-in-one (gateway, ingest, dashboard, analytics, and
                             the simulated fleet unless IOC_DEMO=off). Services: gateway, ingest, dashboard,
                             analytics, sim
  devices add --id ID --kind KIND [--area AREA] [--lat LAT --lon LON]
                             register a device; prints {"id","token"} once
  devices list [--table]     list registered devices (JSON lines, or a table)
  users add --username U --role admin|operator|radio|viewer
                             create or update a user (password from IOC_USER_PASSWORD, else generated and printed)
  migrate                    apply database migrations and seed the Huế areas
  sim [--interval MS]        run the simulated fleet against MQTT_URL, provisioning in the configured database
  bench <name> [args…]       run bench/<name>.ts (JSON lines, the last one the summary)
  eval nab --data DIR --labels FILE [--results DIR] [--threshold T]
                             NAB scores (one JSON object) of our detector, or of a published detector's results
  help                       show this help

Configuration comes from the environment (IOC_DATA_DIR, IOC_HTTP_PORT, IOC_MQTT_PORT, MQTT_URL, DATABASE_URL,
INFLUX_URL, IOC_SERVICE_TOKEN, IOC_DEMO, …); see README.md.`;
