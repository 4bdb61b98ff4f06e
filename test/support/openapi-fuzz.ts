/**
 * Request fuzzing driven by the committed contract (openapi.json): for every operation, fast-check
 * arbitraries of whole HTTP requests (path parameters, query, headers, body) built from its schemas —
 * valid-shaped values most of the time, mixed with hostile ones (wrong types, huge and non-finite
 * numbers, control characters and lone surrogates, deep nesting, prototype keys, unknown and missing
 * fields, bad ids, malformed JSON, wrong content types) — and the check every answer must pass.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { rolesAllowed, type Action, type Subject } from '../../src/access/ability.factory.js';
import { ROLES, type Role } from '../../src/common/roles.js';
import { projectRoot } from '../../src/common/project-root.js';
import { PROBLEM_CONTENT_TYPE } from '../../src/common/errors/problem.js';

/** The subset of JSON Schema (OpenAPI 3.0 dialect) the contract uses. */
export interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  nullable?: boolean;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
}

interface RawOperation {
  parameters?: { name: string; in: string; required?: boolean; schema?: Schema }[];
  requestBody?: { required?: boolean; content: Record<string, { schema?: Schema }> };
  responses: Record<
    string,
    { $ref?: string; description?: string; content?: Record<string, unknown> }
  >;
  security?: Record<string, string[]>[];
}

export interface FuzzParameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: Schema;
}

export interface FuzzOperation {
  method: string;
  /** The contract's path template, `/orders/{orderId}`. */
  path: string;
  parameters: FuzzParameter[];
  /** Request media types and their schemas (none when the operation takes no body). */
  body?: { required: boolean; content: Record<string, Schema> };
  /** Declared success statuses (2xx, 3xx) and the media types each may carry. */
  success: Record<number, string[]>;
  /** Who the route is for: anyone on a public route, else the roles its access policy lets in. */
  callers: Caller[];
}

export type Caller = Role | 'anonymous';

export interface FuzzRequest {
  method: string;
  /** Path with parameters filled in (percent-encoded) and the query string. */
  url: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

interface Document {
  paths: Record<string, Record<string, RawOperation>>;
  components: { schemas: Record<string, Schema> };
}

export function loadContract(): Document {
  return JSON.parse(readFileSync(join(projectRoot(), 'openapi.json'), 'utf8')) as Document;
}

/**
 * The callers a route is for, read from its contract: `security: []` is public; a 403 documented as
 * "may not <action> <Subject>" names its policy, whose roles come from the ability rules.
 */
function callersOf(op: RawOperation): Caller[] {
  if (op.security && !op.security.some((s) => 'bearer' in s)) return ['anonymous', ...ROLES];
  const policy = /may not (\w+) (\w+)/.exec(op.responses['403']?.description ?? '');
  if (!policy) return [...ROLES];
  const roles = rolesAllowed(policy[1] as Action, policy[2] as Subject);
  return roles.length > 0 ? roles : [...ROLES];
}

const HTTP_METHODS = new Set(['get', 'put', 'post', 'patch', 'delete']);

/** Every operation of the contract, schemas with their `$ref`s and `allOf`s resolved. */
export function fuzzOperations(doc: Document = loadContract()): FuzzOperation[] {
  const resolve = (s: Schema | undefined, seen: string[] = []): Schema => {
    if (!s) return {};
    if (s.$ref) {
      const name = s.$ref.split('/').pop()!;
      // A recursive schema stops at its second visit (no such cycle now; cheap insurance).
      if (seen.includes(name)) return { type: 'object' };
      return resolve(doc.components.schemas[name], [...seen, name]);
    }
    const out: Schema = { ...s };
    if (s.allOf) {
      delete out.allOf;
      for (const part of s.allOf.map((p) => resolve(p, seen))) {
        Object.assign(out, { ...part, ...out });
        if (part.properties) out.properties = { ...part.properties, ...out.properties };
        if (part.required) out.required = [...(out.required ?? []), ...part.required];
      }
    }
    if (out.items) out.items = resolve(out.items, seen);
    if (out.properties)
      out.properties = Object.fromEntries(
        Object.entries(out.properties).map(([k, v]) => [k, resolve(v, seen)]),
      );
    return out;
  };
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops)
      .filter(([method]) => HTTP_METHODS.has(method))
      .map(([method, op]) => ({
        method: method.toUpperCase(),
        path,
        parameters: (op.parameters ?? []).map((p) => ({
          name: p.name,
          in: p.in as FuzzParameter['in'],
          required: p.required ?? false,
          schema: resolve(p.schema),
        })),
        ...(op.requestBody
          ? {
              body: {
                required: op.requestBody.required ?? false,
                content: Object.fromEntries(
                  Object.entries(op.requestBody.content).map(([type, c]) => [
                    type,
                    resolve(c.schema),
                  ]),
                ),
              },
            }
          : {}),
        callers: callersOf(op),
        success: Object.fromEntries(
          Object.entries(op.responses)
            .filter(([status]) => /^[23]\d\d$/.test(status))
            .map(([status, r]) => [Number(status), Object.keys(r.content ?? {})]),
        ),
      })),
  );
}

// ---------------------------------------------------------------------------------------------
// Hostile values

/** A JSON text fragment spliced into a body as it is (numbers JSON.stringify cannot write). */
const RAW = (text: string) => `@@raw:${text}@@`;
const RAW_PATTERN = /"@@raw:([^@"]*)@@"/g;

/** Serialises a generated body: JSON, with RAW fragments spliced in. */
export function toJsonText(value: unknown): string {
  return JSON.stringify(value).replace(RAW_PATTERN, '$1');
}

const CONTROL = fc.constantFrom('\u0000', '\u0001', '\u0008', '\u001b', '\u007f', '\u0085');
const LONE_SURROGATE = fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff');
const TRICKY_STRINGS = [
  '',
  ' ',
  'NaN',
  'Infinity',
  '-Infinity',
  '-1',
  '0',
  '1e309',
  '-1e309',
  '1000000000000000',
  '99999999999999999999999',
  '0x1f',
  '1.5',
  ' 1',
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  '../../etc/passwd',
  '%00',
  '%',
  '\\',
  "' OR 1=1 --",
  '<script>alert(1)</script>',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  'not-a-uuid',
  '123e4567-e89b-12d3-a456-42661417400',
  '123e4567-e89b-12d3-a456-4266141740000',
  '123E4567-E89B-12D3-A456-426614174000',
  '2026-13-45',
  '2026-02-30',
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59.999Z',
  '275760-09-13T00:00:00Z',
  '2026-11-25T25:61:61Z',
  '1970-01-01',
  'ЖЖЖ',
  '🙂',
  'e\u0301',
];
const hugeString = fc
  .tuple(fc.integer({ min: 1_000, max: 200_000 }), fc.constantFrom('x', '9', 'é', '🙂'))
  .map(([n, c]) => c.repeat(n));

/** Strings no field should accept as they are (a few may pass a loose field's rules, which is fine). */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...TRICKY_STRINGS), weight: 6 },
  { arbitrary: fc.tuple(fc.string(), CONTROL, fc.string()).map((p) => p.join('')), weight: 2 },
  {
    arbitrary: fc.tuple(fc.string(), LONE_SURROGATE, fc.string()).map((p) => p.join('')),
    weight: 2,
  },
  { arbitrary: hugeString, weight: 1 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 2 },
);

const hostileNumber: fc.Arbitrary<unknown> = fc.constantFrom(
  -1,
  0,
  -0.5,
  0.5,
  1.000001,
  1e15,
  1e15 + 1,
  -1e15,
  2 ** 31,
  2 ** 53 + 2,
  -(2 ** 63),
  1e308,
  RAW('1e999'),
  RAW('-1e999'),
  RAW('1e-999'),
  RAW('123456789012345678901234567890'),
  RAW('-0'),
  RAW('1.0'),
);

/** An object with keys that poison prototypes if merged naively (built by JSON.parse so they are own keys). */
const prototypeKeys: fc.Arbitrary<unknown> = fc.constantFrom(
  JSON.parse('{"__proto__":{"isAdmin":true,"role":"admin"}}'),
  JSON.parse('{"constructor":{"prototype":{"isAdmin":true}}}'),
  JSON.parse('{"prototype":{"polluted":1}}'),
  JSON.parse('{"__proto__":null}'),
);

const nested = (levels: number, leaf: unknown, asArray: boolean): unknown => {
  let v = leaf;
  for (let i = 0; i < levels; i++) v = asArray ? [v] : { a: v };
  return v;
};
const deepNesting: fc.Arbitrary<unknown> = fc
  .tuple(fc.integer({ min: 8, max: 40 }), fc.boolean())
  .map(([n, asArray]) => nested(n, 1, asArray));

/** Any hostile JSON value: wrong types, extremes, prototype keys, deep nesting, big arrays. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: hostileString, weight: 5 },
  { arbitrary: hostileNumber, weight: 4 },
  { arbitrary: fc.constantFrom(true, false, null, [], {}, [null], [[]], { '': '' }), weight: 3 },
  { arbitrary: prototypeKeys, weight: 2 },
  { arbitrary: deepNesting, weight: 1 },
  {
    arbitrary: fc
      .integer({ min: 1_000, max: 20_000 })
      .map((n) => Array.from({ length: n }, () => 1)),
    weight: 1,
  },
);

const MALFORMED_JSON = [
  '',
  ' ',
  '{',
  '}',
  '{"a":}',
  '{"a":1,}',
  "{'a':1}",
  '[1,2',
  'nul',
  'undefined',
  'NaN',
  '{"a":1}{"b":2}',
  '\ufeff{}',
  '"\\ud800"',
  '{"a":"\\u0000"}',
  '{"\\u0000":1}',
  '{"a":"\\udfff"}',
  '{"a":01}',
  '{"a":.5}',
  '{"a":+1}',
  '{"a":0x10}',
  '{"a":Infinity}',
  '{"a":"b"',
  '\u0000',
  '[]',
  '1',
  '"string"',
  'null',
  'true',
];

const WRONG_CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/xml',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/vnd.api+json',
  'image/png',
  'application/octet-stream',
  '*/*',
  'application/json;;',
  'garbage',
];

// ---------------------------------------------------------------------------------------------
// Valid-shaped values

export interface FuzzContext {
  /** Ids of objects that exist (listings, orders, users, …): ids are drawn from here often. */
  ids: readonly string[];
  /** Ids by the field or parameter name they fit (`orderId`, `listingId`): drawn first for that name. */
  named?: Readonly<Record<string, readonly string[]>>;
}

const ID_NAME = /(^id$|Id$|^id[A-Z])/;

function uuidArb(ctx: FuzzContext, name = ''): fc.Arbitrary<string> {
  const named = ctx.named?.[name] ?? [];
  const choices: fc.WeightedArbitrary<string>[] = [{ arbitrary: fc.uuid(), weight: 1 }];
  if (named.length > 0) choices.push({ arbitrary: fc.constantFrom(...named), weight: 4 });
  if (ctx.ids.length > 0) choices.push({ arbitrary: fc.constantFrom(...ctx.ids), weight: 2 });
  return fc.oneof(...choices);
}

const isoDateTime = fc
  .date({
    min: new Date('2020-01-01T00:00:00Z'),
    max: new Date('2030-12-31T00:00:00Z'),
    noInvalidDate: true,
  })
  .map((d) => d.toISOString());

/** A string that fits the field: by schema first, then by the field's name (ids, dates, money). */
function stringArb(schema: Schema, name: string, ctx: FuzzContext): fc.Arbitrary<string> {
  if (schema.enum) return fc.constantFrom(...(schema.enum as string[]));
  if (schema.format === 'uuid' || ID_NAME.test(name)) return uuidArb(ctx, name);
  if (schema.format === 'date-time' || /At$/.test(name)) return isoDateTime;
  if (/^(from|to|asOf)$/.test(name))
    return fc.oneof(
      isoDateTime,
      isoDateTime.map((d) => d.slice(0, 10)),
    );
  if (schema.format === 'email' || /email/i.test(name)) return fc.emailAddress();
  if (/^(date|effectiveFrom|effectiveTo)$/.test(name))
    return isoDateTime.map((d) => d.slice(0, 10));
  if (/phone/i.test(name))
    return fc.integer({ min: 6_000_000_000, max: 9_999_999_999 }).map((n) => `+91${n}`);
  if (name === 'pan') return fc.stringMatching(/^[A-Z]{3}P[A-Z][0-9]{4}[A-Z]$/);
  if (name === 'reference') return uuidArb(ctx, 'orderId').map((id) => `order:${id}`);
  if (name === 'fy')
    return fc.integer({ min: 2020, max: 2030 }).map((y) => `${y}-${String(y + 1).slice(2)}`);
  if (schema.pattern) {
    try {
      return fc
        .stringMatching(new RegExp(schema.pattern))
        .filter(
          (s) => s.length <= (schema.maxLength ?? Infinity) && s.length >= (schema.minLength ?? 0),
        );
    } catch {
      // A pattern JavaScript cannot read: fall through to a plain string.
    }
  }
  return fc.string({
    minLength: schema.minLength ?? 0,
    maxLength: Math.min(schema.maxLength ?? 40, 200),
  });
}

/** A value of the schema's type and shape (its rules beyond the shape may or may not hold). */
export function validArb(
  schema: Schema,
  ctx: FuzzContext,
  name = '',
  depth = 0,
): fc.Arbitrary<unknown> {
  const inner = ((): fc.Arbitrary<unknown> => {
    if (schema.oneOf || schema.anyOf)
      return fc.oneof(...(schema.oneOf ?? schema.anyOf)!.map((s) => validArb(s, ctx, name, depth)));
    if (schema.enum) return fc.constantFrom(...schema.enum);
    switch (schema.type) {
      case 'string':
        return stringArb(schema, name, ctx);
      case 'integer':
        return fc.integer({
          min: Math.max(schema.minimum ?? -1_000_000, Number.MIN_SAFE_INTEGER),
          max: Math.min(schema.maximum ?? 10_000_000, Number.MAX_SAFE_INTEGER),
        });
      case 'number': {
        // Mostly whole numbers: many `number` fields (limit, prices) want integers.
        const min = schema.minimum ?? -1_000_000;
        const max = schema.maximum ?? 10_000_000;
        return fc.oneof(
          {
            arbitrary: fc.integer({
              min: Math.ceil(min),
              max: Math.floor(Math.min(max, Number.MAX_SAFE_INTEGER)),
            }),
            weight: 4,
          },
          { arbitrary: fc.double({ min, max, noNaN: true, noDefaultInfinity: true }), weight: 1 },
        );
      }
      case 'boolean':
        return fc.boolean();
      case 'array':
        return fc.array(validArb(schema.items ?? {}, ctx, name, depth + 1), {
          minLength: schema.minItems ?? 0,
          maxLength: Math.min(schema.maxItems ?? 4, 6),
        });
      case 'object':
      case undefined:
        if (!schema.properties)
          return depth > 2
            ? fc.constant({})
            : fc.dictionary(fc.string({ maxLength: 8 }), fc.string());
        return fc.record(
          Object.fromEntries(
            Object.entries(schema.properties).map(([k, s]) => [k, validArb(s, ctx, k, depth + 1)]),
          ),
          { requiredKeys: schema.required ?? [] },
        );
      default:
        return fc.anything();
    }
  })();
  return schema.nullable ? fc.option(inner, { nil: null, freq: 10 }) : inner;
}

type Json = Record<string, unknown> | unknown[];

/** Every place in a JSON value where a member can be replaced, removed or added (`[]` is the root). */
function places(value: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return [at, ...value.flatMap((v, i) => places(v, [...at, i]))];
  if (value && typeof value === 'object')
    return [at, ...Object.entries(value).flatMap(([k, v]) => places(v, [...at, k]))];
  return [at];
}

function updated(
  value: unknown,
  at: (string | number)[],
  change: (parent: Json, key: string | number) => void,
): unknown {
  const copy = structuredClone(value) as Json;
  let parent: Json = copy;
  for (const key of at.slice(0, -1))
    parent = (parent as Record<string | number, unknown>)[key] as Json;
  change(parent, at[at.length - 1]!);
  return copy;
}

/**
 * A valid-shaped value with one hostile change: a member replaced by a hostile value, removed (a
 * missing required field) or an unknown or prototype-poisoning member added.
 */
function mutatedArb(valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return valid.chain((value) => {
    const all = places(value);
    const inner = all.filter((p) => p.length > 0);
    const containers = all.filter((p) => {
      let v: unknown = value;
      for (const k of p) v = (v as Record<string | number, unknown>)[k];
      return v !== null && typeof v === 'object' && !Array.isArray(v);
    });
    const choices: fc.Arbitrary<unknown>[] = [hostileValue];
    if (inner.length > 0) {
      choices.push(
        fc.tuple(fc.constantFrom(...inner), hostileValue).map(([at, bad]) =>
          updated(value, at, (parent, key) => {
            (parent as Record<string | number, unknown>)[key] = bad;
          }),
        ),
        fc.constantFrom(...inner).map((at) =>
          updated(value, at, (parent, key) => {
            if (Array.isArray(parent)) parent.splice(Number(key), 1);
            else delete parent[key as string];
          }),
        ),
      );
    }
    if (containers.length > 0) {
      choices.push(
        fc
          .tuple(
            fc.constantFrom(...containers),
            fc.constantFrom(
              '__proto__',
              'constructor',
              'prototype',
              'unknownField',
              'isAdmin',
              'role',
              'id',
              '',
            ),
            hostileValue,
          )
          .map(([at, key, extra]) => {
            const copy = structuredClone(value) as Record<string, unknown>;
            let target = copy;
            for (const k of at) target = target[k as string] as Record<string, unknown>;
            Object.defineProperty(target, key, {
              value: extra,
              enumerable: true,
              writable: true,
              configurable: true,
            });
            return copy;
          }),
      );
    }
    return fc.oneof(...choices);
  });
}

// ---------------------------------------------------------------------------------------------
// Whole requests

const RANGE_HEADERS = [
  'bytes=0-0',
  'bytes=0-',
  'bytes=-1',
  'bytes=5-1',
  'bytes=abc',
  'bytes=99999999999999999999-',
  'bytes=0-1,2-3,4-5',
  'items=0-1',
  'bytes=-0',
  '',
];

/** A header value fetch can send (visible ASCII), hostile or not. */
const headerValue = fc.oneof(
  fc.string({
    unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
    maxLength: 60,
  }),
  fc.constantFrom(...TRICKY_STRINGS.filter((s) => /^[\x20-\x7e]*$/.test(s))),
  fc.integer({ min: 200, max: 8_000 }).map((n) => 'k'.repeat(n)),
);

/**
 * Percent-encodes like encodeURIComponent, but a lone surrogate becomes its 3-byte (WTF-8) form,
 * which the server decodes back to the lone surrogate.
 */
export function encodeText(s: string): string {
  return Array.from(s, (c) => {
    const u = c.charCodeAt(0);
    if (c.length > 1 || u < 0xd800 || u > 0xdfff) return encodeURIComponent(c);
    return [0xe0 | (u >> 12), 0x80 | ((u >> 6) & 0x3f), 0x80 | (u & 0x3f)]
      .map((b) => `%${b.toString(16).toUpperCase()}`)
      .join('');
  }).join('');
}

/** A query or path value as text (objects and arrays as JSON, as a careless client might). */
function asText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  return toJsonText(v);
}

interface Body {
  contentType?: string;
  body?: string | Uint8Array;
}

const malformedBody: fc.Arbitrary<Body> = fc
  .constantFrom(...MALFORMED_JSON)
  .map((body) => ({ contentType: 'application/json', body }));
const wrongTypeBody: fc.Arbitrary<Body> = fc
  .tuple(
    fc.constantFrom(...WRONG_CONTENT_TYPES),
    fc.oneof(fc.constantFrom(...MALFORMED_JSON), fc.constant('{"a":1}'), fc.string()),
  )
  .map(([contentType, body]) => ({ contentType, body }));

/** The body a well-behaved client sends: valid-shaped JSON, garbage bytes for an upload, or none. */
function validBodyArb(op: FuzzOperation, ctx: FuzzContext): fc.Arbitrary<Body> {
  const jsonSchema = op.body?.content['application/json'];
  if (jsonSchema)
    return validArb(jsonSchema, ctx).map((b) => ({
      contentType: 'application/json',
      body: toJsonText(b),
    }));
  const binaryTypes = Object.keys(op.body?.content ?? {});
  // Uploads: garbage bytes under a declared media type (never a decodable image or video).
  if (binaryTypes.length > 0)
    return fc
      .tuple(fc.constantFrom(...binaryTypes), fc.uint8Array({ maxLength: 2048 }))
      .map(([contentType, body]) => ({ contentType, body }));
  return fc.constant({});
}

/** A hostile body: JSON with one hostile change, malformed JSON, the wrong media type, or none at all. */
function hostileBodyArb(op: FuzzOperation, ctx: FuzzContext): fc.Arbitrary<Body> {
  const jsonSchema = op.body?.content['application/json'];
  const choices: fc.WeightedArbitrary<Body>[] = [
    { arbitrary: malformedBody, weight: 2 },
    { arbitrary: wrongTypeBody, weight: 2 },
    { arbitrary: fc.constant({}), weight: 1 },
  ];
  if (jsonSchema)
    choices.push({
      arbitrary: mutatedArb(validArb(jsonSchema, ctx)).map((b) => ({
        contentType: 'application/json',
        body: toJsonText(b),
      })),
      weight: 8,
    });
  return fc.oneof(...choices);
}

/** Headers every route reads or may trip on (device fingerprint, request id, proxies, negotiation). */
const ODD_HEADERS: fc.Arbitrary<Record<string, string>> = fc.oneof(
  headerValue.map((v) => ({ 'x-device-fingerprint': v })),
  headerValue.map((v) => ({ 'x-request-id': v })),
  fc
    .constantFrom('not-an-ip', '999.1.1.1', '::ffff:1.2.3.4', '1.2.3.4, 5.6.7.8', ', ,', 'unknown')
    .map((v) => ({ 'x-forwarded-for': v })),
  fc
    .constantFrom('application/xml', 'text/csv', '*/*;q=0', 'garbage', 'application/problem+json')
    .map((v) => ({ accept: v })),
  fc.constantFrom('gzip', 'br', 'identity, gzip', 'bogus').map((v) => ({ 'content-encoding': v })),
);

interface Parts {
  path: Record<string, unknown>;
  query: Record<string, unknown>;
  headers: Record<string, unknown>;
  extra: string;
  body: Body;
}

const EXTRA_QUERIES = [
  '__proto__=1',
  '__proto__[isAdmin]=1',
  'constructor[prototype][x]=1',
  'unknown=1',
  'limit=1&limit=2',
  'limit[]=1',
  'a=%',
  '%=%',
  '=',
  '&&&',
  'cursor=%00',
  'q=%ED%A0%80',
];

/**
 * Requests for one operation (the caller's credentials are the caller's business): a third valid-
 * shaped throughout, the rest with one hostile part — a path parameter, a query parameter, an extra
 * query, a header (or a required one missing), or the body.
 */
export function requestArb(op: FuzzOperation, ctx: FuzzContext): fc.Arbitrary<FuzzRequest> {
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  const query = op.parameters.filter((p) => p.in === 'query');
  const headers = op.parameters.filter((p) => p.in === 'header');
  const valid = (p: FuzzParameter) =>
    p.in === 'header'
      ? p.name.toLowerCase() === 'range'
        ? fc.constantFrom('bytes=0-0', 'bytes=0-')
        : fc.uuid()
      : validArb(p.schema, ctx, p.name);
  const hostile = (p: FuzzParameter) =>
    p.in === 'header'
      ? p.name.toLowerCase() === 'range'
        ? fc.constantFrom(...RANGE_HEADERS)
        : headerValue
      : hostileValue;
  const validParts: fc.Arbitrary<Parts> = fc.record({
    path: fc.record(Object.fromEntries(pathParams.map((p) => [p.name, valid(p)]))),
    // A cursor is valid only as a list returned it: left to the hostile changes.
    query: fc.record(
      Object.fromEntries(query.filter((p) => p.name !== 'cursor').map((p) => [p.name, valid(p)])),
      {
        requiredKeys: query.filter((p) => p.required).map((p) => p.name),
      },
    ),
    headers: fc.record(Object.fromEntries(headers.map((p) => [p.name, valid(p)])), {
      requiredKeys: headers.filter((p) => p.required).map((p) => p.name),
    }),
    extra: fc.constant<string>(''),
    body: validBodyArb(op, ctx),
  });
  const changes: fc.Arbitrary<(parts: Parts) => Parts>[] = [
    fc.constant((parts) => parts),
    fc.constantFrom(...EXTRA_QUERIES).map((extra) => (parts) => ({ ...parts, extra })),
    ODD_HEADERS.map((odd) => (parts) => ({ ...parts, headers: { ...parts.headers, ...odd } })),
    hostileBodyArb(op, ctx).map((body) => (parts) => ({ ...parts, body })),
  ];
  for (const p of op.parameters) {
    const where = p.in === 'header' ? 'headers' : p.in;
    changes.push(
      hostile(p).map((bad) => (parts) => ({
        ...parts,
        [where]: { ...parts[where], [p.name]: bad },
      })),
    );
    if (p.in !== 'path' && p.required)
      changes.push(
        fc.constant((parts) => {
          const { [p.name]: _missing, ...rest } = parts[where];
          return { ...parts, [where]: rest };
        }),
      );
  }
  const change = fc.oneof(
    { arbitrary: changes[0]!, weight: changes.length - 1 },
    ...changes.slice(1).map((arbitrary) => ({ arbitrary, weight: 2 })),
  );
  return fc.tuple(validParts, change).map(([parts, apply]) => {
    const {
      path: pathValues,
      query: queryValues,
      headers: headerValues,
      extra,
      body,
    } = apply(parts);
    const path = op.path.replace(/\{([^}]+)\}/g, (_, name: string) =>
      encodeText(asText(pathValues[name])),
    );
    const search = Object.entries(queryValues).flatMap(([k, v]) =>
      (Array.isArray(v) ? v : [v]).map((item) => `${k}=${encodeText(asText(item))}`),
    );
    const qs = [...search, extra].filter(Boolean).join('&');
    return {
      method: op.method,
      url: qs ? `${path}?${qs}` : path,
      headers: {
        ...Object.fromEntries(Object.entries(headerValues).map(([k, v]) => [k, String(v)])),
        ...(body.contentType ? { 'content-type': body.contentType } : {}),
      },
      ...(body.body !== undefined && op.method !== 'GET' ? { body: body.body } : {}),
    };
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The ids (`id`, `…Id` members holding a UUID) anywhere in a JSON answer, with the member's name:
 * objects later requests can hit.
 */
export function idsIn(value: unknown, key = ''): { name: string; id: string }[] {
  if (typeof value === 'string')
    return ID_NAME.test(key) && UUID.test(value) ? [{ name: key, id: value }] : [];
  if (Array.isArray(value)) return value.flatMap((v) => idsIn(v, key));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => idsIn(v, k));
  return [];
}

// ---------------------------------------------------------------------------------------------
// The answer check

export interface FuzzAnswer {
  status: number;
  contentType: string;
  text: string;
}

const mediaType = (ct: string) => ct.split(';')[0]!.trim().toLowerCase();
const charset = (ct: string) => /charset=([^;\s]+)/i.exec(ct)?.[1]?.toLowerCase();

/**
 * Why the answer breaks the contract, or undefined when it is fine: no 5xx; errors are problem+json
 * with the project's shape (`type` `/problems/<code>`, `title`, `status` equal to the HTTP status,
 * `code`, `requestId`); successes use a declared status and its declared media type.
 */
export function answerFault(op: FuzzOperation, a: FuzzAnswer): string | undefined {
  if (a.status === 0) return a.text;
  if (a.status >= 500) return `server error ${a.status}`;
  if (a.status >= 400) {
    if (mediaType(a.contentType) !== PROBLEM_CONTENT_TYPE)
      return `error ${a.status} is ${a.contentType || 'without a content type'}, not ${PROBLEM_CONTENT_TYPE}`;
    let p: Record<string, unknown>;
    try {
      p = JSON.parse(a.text) as Record<string, unknown>;
    } catch {
      return `error ${a.status}: problem body is not JSON`;
    }
    if (typeof p.code !== 'string' || !/^[a-z0-9-]+\/[a-z0-9-]+$/.test(p.code))
      return `error ${a.status}: problem without a stable code`;
    if (p.type !== `/problems/${p.code}`)
      return `error ${a.status}: problem type is not /problems/<code>`;
    if (typeof p.title !== 'string' || !p.title)
      return `error ${a.status}: problem without a title`;
    if (p.status !== a.status) return `error ${a.status}: problem status ${String(p.status)}`;
    if (typeof p.requestId !== 'string' || !p.requestId)
      return `error ${a.status}: problem without requestId`;
    return undefined;
  }
  const declared = op.success[a.status];
  if (!declared) return `status ${a.status} is not declared for this operation`;
  if (declared.length === 0)
    return a.text === '' ? undefined : `status ${a.status} declares no body but got one`;
  const match = declared.find(
    (d) =>
      mediaType(d) === mediaType(a.contentType) &&
      (charset(d) === undefined || charset(d) === charset(a.contentType)),
  );
  if (!match)
    return `${a.status} is ${a.contentType || 'without a content type'}, declared ${declared.join(' | ')}`;
  if (mediaType(match) === 'application/json') {
    try {
      JSON.parse(a.text);
    } catch {
      return `${a.status} declared JSON but the body does not parse`;
    }
  }
  return undefined;
}
