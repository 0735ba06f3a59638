import { fetchAreas } from './api.ts';

export interface AreaOption {
  id: string;
  name: string;
}

let communes: Promise<AreaOption[]> | undefined;

/** The communes and wards by name, for the pages' filters and forms: read once per page load (the area set changes rarely). */
export function loadCommunes(): Promise<AreaOption[]> {
  communes ??= fetchAreas().then(
    (areas) =>
      areas.features
        .filter((f) => f.properties.level !== 'city')
        .map((f) => ({ id: f.properties.id, name: f.properties.name }))
        .sort((a, b) => a.name.localeCompare(b.name, 'vi')),
    (error: unknown) => {
      communes = undefined;
      throw error;
    },
  );
  return communes;
}
