import { SERVICES } from './services.ts';

const serviceLines = SERVICES.map((service) => `    ${service.name.padEnd(25)}${service.summary}`).join('\n');
const demoOnly = SERVICES.filter((service) => service.allInOne === 'demo').map((service) => service.name);

export const USAGE = `Usage: ioc <command> [options]

Commands:
  start [service…]           run the IOC: the services named, or all-in-one (all of them; ${demoOnly.join(', ')} unless IOC_DEMO=off)
${serviceLines}
  devices add --id ID --kind KIND [--area AREA] [--lat LAT --lon LON] [--attr NAME=VALUE…] [--disabled]
                             register a device; prints {"id","token"} once
  devices import FILE.csv    register many devices, all or nothing (header: id,kind[,area,lat,lon,enabled,
                             any attribute…]); prints one {"id","token"} line per device
  devices list [--table]     list registered devices (JSON lines, or a table)
  devices update --id ID [--kind K] [--area AREA|''] [--lat LAT --lon LON] [--attr NAME=VALUE…]
  devices enable|disable|rotate|revoke|remove --id ID
                             disable/revoke/remove close the device's connections at once (announced to the gateway
                             at MQTT_URL with IOC_SERVICE_TOKEN); rotate prints the new token once
  accounts add --name N (--integration TOPIC_ROOT | --admin)
                             an MQTT account int:N scoped to TOPIC_ROOT/#, or admin:N; prints its token once
  accounts list | accounts rotate|enable|disable --username int:N|admin:N
  audit [--action A] [--subject S] [--since T] [--until T] [--limit N]
                             the audit log (MQTT connects, refused logins, registry changes), newest first
  users add --username U --role admin|operator|radio_lead|radio|viewer
                             create or update a user (password from IOC_USER_PASSWORD, else generated and printed)
  migrate                    apply database migrations and seed the Huế areas
  backup --to DIR            PostgreSQL (pg_dump) and InfluxDB 1.x (influxd backup -portable) into a new directory
  restore --from DIR         put a backup back, the IOC stopped (PostgreSQL objects and the InfluxDB database replaced)
  sim [--fleet FILE] [--scenario FILE] [--speed N] [--seed N] [--truth OUT] [--interval MS] [--camera-port P]
      [--credentials FILE]   run a simulated fleet (default device-sim/fleets/hue.yaml) against MQTT_URL,
                             provisioning in the configured database (or logging in with the tokens in FILE:
                             {id: token} or JSON lines {"id","token"}); with a scenario, stop at its end and
                             write its ground truth (JSON lines) to OUT
  bench <name> [args…]       run bench/<name>.ts (JSON lines, the last one the summary)
  eval nab --data DIR --labels FILE [--results DIR] [--threshold T] [--holdout]
                             NAB scores (one JSON object) of our detector, or of a published detector's results
  eval scenario [--scenario FILE] [--fleet FILE] [--seed N]
                             a simulator scenario (default storm) through the analytics pipeline, scored against
                             its ground truth (one JSON object)
  eval camera [--cameras N] [--darkness 0,3,6,9] [--normal-checks N] [--tamper-checks N] [--recovery-checks N]
              [--dusk-checks N]
                             tampers played on the simulator's camera streams through the camera health checks:
                             recall per tamper, false alarms per camera-day, AUC, ms per frame (one JSON object)
  help                       show this help

Configuration comes from the environment (IOC_DATA_DIR, IOC_HTTP_PORT, IOC_MQTT_PORT, MQTT_URL, DATABASE_URL,
INFLUX_URL, IOC_SERVICE_TOKEN, IOC_DEMO, …); see README.md.`;
