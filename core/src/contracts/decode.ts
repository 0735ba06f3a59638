import type { Static, TSchema } from 'typebox';
import { Compile, type Validator } from 'typebox/compile';
import type { TLocalizedValidationError } from 'typebox/error';

export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Compiled once per schema, on first use. */
const validators = new WeakMap<TSchema, Validator>();

function validatorOf(schema: TSchema): Validator {
  let validator = validators.get(schema);
  if (!validator) validators.set(schema, (validator = Compile(schema)));
  return validator;
}

/** `/args/level` → `args.level`, `/items/0/id` → `items[0].id`; `at` names where the value itself sits. */
function fieldName(at: string, instancePath: string, child?: string): string {
  const parts = [...(at ? at.split('.') : []), ...instancePath.split('/').slice(1)];
  if (child !== undefined) parts.push(child);
  return parts
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((name, part) => (/^\d+$/.test(part) ? `${name}[${part}]` : name ? `${name}.${part}` : part), '');
}

/** The schema at a JSON pointer such as `#/properties/status` (where a union's branches are listed). */
function schemaAt(root: TSchema, pointer: string): unknown {
  let node: unknown = root;
  for (const key of pointer.replace(/^#\/?/, '').split('/').filter(Boolean)) {
    node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
  }
  return node;
}

/** The allowed values of a union of literals, else undefined. */
function literalsOf(schema: unknown): unknown[] | undefined {
  const branches = (schema as { anyOf?: unknown[] } | undefined)?.anyOf;
  if (!branches?.every((b) => typeof b === 'object' && b !== null && 'const' in b)) return undefined;
  return branches.map((b) => (b as { const: unknown }).const);
}

function describe(root: TSchema, error: TLocalizedValidationError, at: string): string {
  const name = (field: string) => (field ? `"${field}"` : 'the value');
  switch (error.keyword) {
    case 'required':
      return `${name(fieldName(at, error.instancePath, error.params.requiredProperties[0]))} is required`;
    case 'additionalProperties':
      return `${name(fieldName(at, error.instancePath, error.params.additionalProperties[0]))} is not allowed`;
    case 'anyOf': {
      const literals = literalsOf(schemaAt(root, error.schemaPath));
      if (literals) return `${name(fieldName(at, error.instancePath))} must be one of ${literals.map((l) => JSON.stringify(l)).join(', ')}`;
      break;
    }
    case 'enum': {
      const values = (schemaAt(root, error.schemaPath) as { enum?: unknown[] } | undefined)?.enum;
      if (values) return `${name(fieldName(at, error.instancePath))} must be one of ${values.map((v) => JSON.stringify(v)).join(', ')}`;
    }
  }
  return `${name(fieldName(at, error.instancePath))} ${error.message}`;
}

/**
 * The first error worth telling: a union's own error rather than each branch's, and an unknown property's
 * `additionalProperties` error rather than its `false` schema.
 */
function firstError(errors: readonly TLocalizedValidationError[]): TLocalizedValidationError | undefined {
  const unions = errors.filter((e) => e.keyword === 'anyOf').map((e) => `${e.schemaPath}/anyOf/`);
  return errors.find((e) => e.keyword !== 'boolean' && !unions.some((u) => e.schemaPath.startsWith(u)));
}

/**
 * Checks `value` against `schema`; a refusal names the field at fault, e.g. `"args.level" must be <= 100`. `at` is
 * where the value sits in its message (`args`), for schemas of a part.
 */
export function decode<S extends TSchema>(schema: S, value: unknown, at = ''): Decoded<Static<S>> {
  const validator = validatorOf(schema);
  if (validator.Check(value)) return { ok: true, value: value as Static<S> };
  const error = firstError(validator.Errors(value));
  return { ok: false, reason: error ? describe(schema, error, at) : `${at ? `"${at}"` : 'the value'} does not match its schema` };
}

/** Parses JSON text and checks it against `schema`; malformed JSON is refused with the parser's message. */
export function decodeJson<S extends TSchema>(schema: S, text: string): Decoded<Static<S>> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `malformed JSON: ${(error as Error).message}` };
  }
  return decode(schema, value);
}
