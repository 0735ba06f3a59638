// fast-check arbitraries from the JSON schemas of an OpenAPI document: values the schema allows, values just past
// its bounds, and values of the wrong kind, so a fuzzer reaches both the handlers and the validation.
import fc from 'fast-check';

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
}

/** Text that has broken parsers before, or could: empty, huge, control and odd Unicode, paths, numbers. */
export const nastyText = fc.oneof(
  fc.constantFrom('', ' ', '0', '-1', '1e999', 'NaN', 'null', 'true', '__proto__', 'constructor', '../..', '%00', '\u0000', '\uD800', '🙂', 'ế', '\r\n', ',,,', '*', '%', '{}'),
  fc.constantFrom('99999999999999999999', '8640000000000001', '-8640000000000001', '9007199254740993', '1970-01-01', '275760-09-13', '2026-13-45T99:99'),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.integer({ min: 200, max: 3000 }).map((n) => 'x'.repeat(n)),
);

const nastyNumber = fc.oneof(
  fc.constantFrom(0, -0, -1, 1, 0.5, 2 ** 31, 2 ** 53, -(2 ** 53), 8.64e15, 8.64e15 + 1, 1e308, -1e308, Number.MIN_VALUE),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Any JSON value: the wrong kind for whatever the schema asks. */
const anyJson = fc.jsonValue({ maxDepth: 2 });

function types(schema: JsonSchema): string[] {
  return schema.type === undefined ? [] : [schema.type].flat();
}

/** Values of one schema, near or past its bounds; `junk` also mixes in values of any kind. */
export function valueOf(schema: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
  const options: fc.Arbitrary<unknown>[] = [];
  if (schema.const !== undefined) options.push(fc.constant(schema.const));
  if (schema.enum) options.push(fc.constantFrom(...schema.enum));
  for (const sub of [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])]) options.push(valueOf(sub, depth + 1));
  for (const type of types(schema)) {
    if (type === 'string') {
      const { minLength = 0, maxLength = 64 } = schema;
      options.push(fc.string({ minLength, maxLength: Math.min(maxLength, 80) }), fc.constant('x'.repeat(Math.min(maxLength + 1, 5000))), nastyText);
    } else if (type === 'integer' || type === 'number') {
      const bounds = [schema.minimum, schema.maximum].filter((n): n is number => n !== undefined).flatMap((n) => [n - 1, n, n + 1]);
      options.push(bounds.length ? fc.constantFrom(...bounds) : fc.constant(0), type === 'integer' ? fc.integer() : nastyNumber, nastyNumber);
    } else if (type === 'boolean') options.push(fc.boolean());
    else if (type === 'null') options.push(fc.constant(null));
    else if (type === 'array' && depth < 4) {
      const item = schema.items ? valueOf(schema.items, depth + 1) : anyJson;
      options.push(fc.array(item, { maxLength: 4 }), fc.array(item, { minLength: 50, maxLength: 120 }));
    } else if (type === 'object' && depth < 4) options.push(objectOf(schema, depth));
  }
  if (options.length === 0) options.push(anyJson);
  // One case in eight is of another kind altogether.
  return fc.oneof({ arbitrary: fc.oneof(...options), weight: 7 }, { arbitrary: anyJson, weight: 1 });
}

/** Objects with the schema's required keys mostly there, its optional ones sometimes, and now and then a stray key. */
function objectOf(schema: JsonSchema, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const properties = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  const entries = Object.entries(properties).map(([key, sub]) =>
    fc.option(valueOf(sub, depth + 1), { freq: required.has(key) ? 8 : 2, nil: undefined }).map((value) => [key, value] as const),
  );
  const stray = fc.option(fc.tuple(fc.constantFrom('extra', '__proto__', 'constructor', 'role'), anyJson), { freq: 6, nil: undefined });
  return fc.tuple(fc.tuple(...entries), stray).map(([pairs, extra]) => {
    const object: Record<string, unknown> = {};
    for (const [key, value] of pairs) if (value !== undefined) object[key] = value;
    if (extra) Object.defineProperty(object, extra[0], { value: extra[1], enumerable: true, writable: true, configurable: true });
    return object;
  });
}

/** A query-string or path value: the schema's values as text, or nasty text. */
export function textOf(schema: JsonSchema): fc.Arbitrary<string> {
  return fc.oneof(
    valueOf(schema).map((value) => (typeof value === 'string' ? value : JSON.stringify(value) ?? '')),
    nastyText,
  );
}
