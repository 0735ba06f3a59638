import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The NAB subset shipped with the lab (nab/README.md): `data/`, `labels/combined_windows.json`, `reference/`; ends in '/'. */
export const NAB_DIR = fileURLToPath(new URL('../../nab/', import.meta.url));

/** NAB timestamps ("2014-04-10 07:15:00" or with ".000000") are UTC wall times; returns ms since the epoch. */
export function parseNabTime(text: string): number {
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?$/.exec(text.trim());
  const ms = match ? Date.parse(`${match[1]}T${match[2]}${(match[3] ?? '').slice(0, 4)}Z`) : Number.NaN;
  if (!Number.isFinite(ms)) throw new Error(`not a NAB timestamp: "${text}"`);
  return ms;
}

export interface CsvColumns {
  timestamps: number[];
  columns: Record<string, number[]>;
}

/** Reads a NAB CSV (header row, first column timestamp) keeping the named numeric columns. */
export function readNabCsv(path: string, wanted: string[]): CsvColumns {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/).filter((line) => line.trim() !== '');
  const header = (lines[0] ?? '').split(',').map((name) => name.trim());
  const indices = wanted.map((name) => {
    const index = header.indexOf(name);
    if (index < 0) throw new Error(`${path}: no "${name}" column (header: ${header.join(',')})`);
    return index;
  });
  const timestamps: number[] = [];
  const columns: Record<string, number[]> = Object.fromEntries(wanted.map((name) => [name, []]));
  for (let line = 1; line < lines.length; line++) {
    const cells = lines[line]!.split(',');
    try {
      timestamps.push(parseNabTime(cells[0] ?? ''));
    } catch (error) {
      throw new Error(`${path}:${line + 1}: ${(error as Error).message}`);
    }
    wanted.forEach((name, k) => {
      const value = Number(cells[indices[k]!]);
      if (!Number.isFinite(value)) throw new Error(`${path}:${line + 1}: ${name} is not a number: "${cells[indices[k]!]}"`);
      columns[name]!.push(value);
    });
  }
  return { timestamps, columns };
}

export type Windows = Array<[number, number]>;

/** NAB's combined_windows.json: file name ("category/file.csv") → anomaly windows in ms. */
export function readLabels(path: string): Map<string, Windows> {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  const labels = new Map<string, Windows>();
  for (const [name, windows] of Object.entries(raw)) {
    if (!Array.isArray(windows)) throw new Error(`${path}: windows of "${name}" are not a list`);
    labels.set(
      name,
      windows.map((window) => {
        if (!Array.isArray(window) || window.length !== 2) throw new Error(`${path}: "${name}" has a window that is not [start, end]`);
        return [parseNabTime(String(window[0])), parseNabTime(String(window[1]))];
      }),
    );
  }
  return labels;
}

/** Every "category/file.csv" under a NAB data directory, sorted. */
export function listDataFiles(dataDir: string): string[] {
  const files: string[] = [];
  for (const category of readdirSync(dataDir).sort()) {
    const dir = join(dataDir, category);
    if (!statSync(dir).isDirectory()) continue;
    for (const file of readdirSync(dir).sort()) if (file.endsWith('.csv')) files.push(`${category}/${file}`);
  }
  return files;
}

/** A published detector's results file for one data file: `<results>/<category>/<detector>_<file>.csv`. */
export function findResultFile(resultsDir: string, name: string): string {
  const [category, file] = name.split('/') as [string, string];
  const dir = join(resultsDir, category);
  const found = readdirSync(dir).find((candidate) => candidate === file || candidate.endsWith(`_${file}`));
  if (!found) throw new Error(`no results for ${name} in ${dir}`);
  return join(dir, found);
}
