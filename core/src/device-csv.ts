import type { DeviceAttributes, NewDevice } from './devices.ts';

/** A CSV line that cannot become a device; `line` counts from 1 and includes the header. */
export interface CsvDeviceError {
  line: number;
  message: string;
}

/** Splits RFC 4180 CSV (quoted fields may hold commas, quotes as "" and line breaks) into rows of fields. */
export function parseCsv(text: string): { rows: Array<{ line: number; fields: string[] }>; error?: string } {
  const rows: Array<{ line: number; fields: string[] }> = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  const endRow = () => {
    fields.push(field);
    if (fields.length > 1 || fields[0] !== '') rows.push({ line: rowLine, fields });
    fields = [];
    field = '';
  };
  const input = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < input.length; i++) {
    const c = input[i] as string;
    if (quoted) {
      if (c === '"' && input[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === '\n') line++;
        field += c;
      }
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && input[i + 1] === '\n') i++;
      endRow();
      line++;
      rowLine = line;
    } else field += c;
  }
  if (quoted) return { rows, error: `line ${rowLine}: a quoted field is not closed` };
  endRow();
  return { rows };
}

const KNOWN_COLUMNS = new Set(['id', 'kind', 'area', 'lat', 'lon', 'enabled']);

function number(text: string, column: string): number | undefined {
  if (text === '') return undefined;
  const value = Number(text);
  if (!Number.isFinite(value)) throw new Error(`${column} "${text}" is not a number`);
  return value;
}

function enabled(text: string): boolean | undefined {
  if (text === '') return undefined;
  if (/^(true|yes|1)$/i.test(text)) return true;
  if (/^(false|no|0)$/i.test(text)) return false;
  throw new Error(`enabled "${text}" must be true or false`);
}

/**
 * Devices from CSV with a header row. Columns `id` and `kind` are required; `area`, `lat`, `lon` and
 * `enabled` are optional; any other column becomes a text attribute (empty cells are left out).
 * Only the shape is checked here; createDevices checks the devices themselves.
 */
export function parseDevicesCsv(text: string): { devices: Array<NewDevice & { line: number }>; errors: CsvDeviceError[] } {
  const { rows, error } = parseCsv(text);
  const errors: CsvDeviceError[] = [];
  if (error) return { devices: [], errors: [{ line: 0, message: error }] };
  const [header, ...body] = rows;
  if (!header) return { devices: [], errors: [{ line: 1, message: 'the CSV is empty: it needs a header row with id and kind' }] };
  const columns = header.fields.map((c) => c.trim());
  const missing = ['id', 'kind'].filter((c) => !columns.includes(c));
  if (missing.length > 0) return { devices: [], errors: [{ line: header.line, message: `the header lacks ${missing.join(' and ')}` }] };
  const duplicate = columns.find((c, i) => columns.indexOf(c) !== i);
  if (duplicate) return { devices: [], errors: [{ line: header.line, message: `column "${duplicate}" appears twice` }] };

  const devices: Array<NewDevice & { line: number }> = [];
  for (const row of body) {
    if (row.fields.length !== columns.length) {
      errors.push({ line: row.line, message: `${row.fields.length} fields where the header has ${columns.length}` });
      continue;
    }
    const cell = (name: string) => (row.fields[columns.indexOf(name)] ?? '').trim();
    try {
      const attributes: DeviceAttributes = {};
      columns.forEach((column, i) => {
        const value = (row.fields[i] as string).trim();
        if (!KNOWN_COLUMNS.has(column) && value !== '') attributes[column] = value;
      });
      devices.push({
        line: row.line,
        id: cell('id'),
        kind: cell('kind'),
        areaId: cell('area') || undefined,
        lat: number(cell('lat'), 'lat'),
        lon: number(cell('lon'), 'lon'),
        enabled: enabled(cell('enabled')),
        attributes,
      });
    } catch (problem) {
      errors.push({ line: row.line, message: (problem as Error).message });
    }
  }
  return { devices, errors };
}
