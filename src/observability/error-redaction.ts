/**
 * What an error may carry into a log line. Values travel inside errors in several places — TypeORM's
 * `QueryFailedError.parameters` (every bound value: e-mails, phones, PAN, GSTIN, password hashes),
 * PostgreSQL's `detail` (`Key (email)=(a@b.c) already exists.`, `Failing row contains (…)`) and
 * messages built from them — so every error is serialized here before pino writes it, and every
 * message string is scrubbed of the personal data the platform handles.
 */

export const REDACTED = '[redacted]';

/**
 * Patterns of personal data and secrets, most specific first (a GSTIN contains a PAN, an argon2
 * hash and a phone number contain digits). Each match is replaced by `[redacted:<kind>]`.
 */
const PII_PATTERNS: readonly (readonly [string, RegExp])[] = [
  ['argon2', /\$argon2(?:id|i|d)\$[A-Za-z0-9+/=$,.-]*/g],
  ['email', /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g],
  ['gstin', /\b\d{2}[A-Z]{5}\d{4}[A-Z][1-9A-Z]Z[0-9A-Z]\b/gi],
  ['pan', /\b[A-Z]{5}\d{4}[A-Z]\b/gi],
  // Indian mobile numbers: +91 / 91 / 0 prefixed or bare, optionally split 5-5.
  ['phone', /(?<![\w+])(?:\+?91[\s-]?|0)?[6-9]\d{4}[\s-]?\d{5}(?!\w)/g],
];

/**
 * PostgreSQL's messages and details that quote values: the values are replaced, the column and
 * constraint names kept.
 */
const PG_VALUE_PATTERNS: readonly (readonly [RegExp, string])[] = [
  // unique / foreign-key / exclusion violations: Key (email)=(a@b.c) already exists.
  [
    /=\((.*)\)( already exists| is not present in table| is still referenced| conflicts with)/gs,
    `=(${REDACTED})$2`,
  ],
  // check / not-null violations: Failing row contains (…).
  [/(Failing row contains )\(.*\)/gs, `$1(${REDACTED})`],
  // invalid input syntax for type uuid: "…"
  [/(invalid input (?:syntax|value) for [^:]*): ".*?"/g, `$1: "${REDACTED}"`],
  // coordinates in a URL's query (the nearby search): ?lat=12.97&lng=77.59
  [/([?&](?:lat|lng|latitude|longitude)=)[^&#\s]*/gi, `$1${REDACTED}`],
];

/** `text` with quoted database values and known personal data patterns replaced. */
export function scrubText(text: string): string {
  let out = text;
  for (const [pattern, replacement] of PG_VALUE_PATTERNS) out = out.replace(pattern, replacement);
  for (const [kind, pattern] of PII_PATTERNS) out = out.replace(pattern, `[redacted:${kind}]`);
  return out;
}

/**
 * Keys whose values never reach a log line, at any depth (compared case-insensitively): secrets and the
 * personal data the platform handles (phone, IMEI, PAN, GSTIN, bank details, location).
 */
const SENSITIVE_KEYS = new Set(
  [
    'password',
    'newPassword',
    'currentPassword',
    'passwordHash',
    'token',
    'accessToken',
    'refreshToken',
    'secret',
    'otp',
    'phone',
    'mobile',
    'imei',
    'pan',
    'gstin',
    'aadhaar',
    'accountNumber',
    'ifsc',
    'location',
    'latitude',
    'longitude',
    'lat',
    'lng',
  ].map((k) => k.toLowerCase()),
);

const MAX_DEPTH = 8;

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  stack?: unknown;
  cause?: unknown;
  errors?: unknown;
}

function isErrorLike(value: unknown): value is ErrorLike & object {
  return (
    value instanceof Error ||
    (typeof value === 'object' && value !== null && 'message' in value && 'stack' in value)
  );
}

/**
 * A copy of `value` fit for a log line: sensitive keys censored, strings scrubbed, errors serialized.
 * Class instances other than errors (the raw request and response) are left to their serializers.
 */
export function redactDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return value;
  if (isErrorLike(value)) return serializeError(value, depth);
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1));
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SENSITIVE_KEYS.has(k.toLowerCase()) ? REDACTED : redactDeep(v, depth + 1);
  }
  return out;
}

/** What a bound query parameter was, without its value: `string(12)`, `number`, `null`, … */
function parameterMarker(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'string') return `string(${value.length})`;
  if (Buffer.isBuffer(value)) return `bytes(${value.length})`;
  if (Array.isArray(value)) return `array(${value.length})`;
  if (value instanceof Date) return 'date';
  return typeof value;
}

/** Errors already serialized here (the log formatter runs before pino's serializers). */
const serialized = new WeakSet<object>();

/** Kept out of the serialized error: `driverError` is the pg error whose fields TypeORM copied onto it. */
const DROPPED_KEYS = new Set(['driverError']);

/**
 * The one error serializer of every logger (pino's `serializers.err`, and nested errors anywhere in a
 * logged object): `type`, scrubbed `message` and `stack`, PostgreSQL's diagnostic fields (`code` =
 * SQLSTATE, `constraint`, `table`, `column`, `schema`, `routine`, the scrubbed `detail`), the SQL text
 * (`query`: TypeORM binds values as $n, and it is scrubbed all the same), `parameters` as type/length
 * markers only, other own fields redacted like any logged object, and the `cause` chain.
 * Accepts pino-std-serializers' output too (the original error is its `raw`).
 */
export function serializeError(input: unknown, depth = 0): unknown {
  const raw = (input as { raw?: unknown } | null)?.raw;
  const err = isErrorLike(raw) ? raw : input;
  if (!isErrorLike(err)) return redactDeep(err, depth);
  if (serialized.has(err)) return err;
  const type = (err as object).constructor?.name;
  const out: Record<string, unknown> = {
    type: type && type !== 'Object' ? type : err.name,
    message: scrubText(String(err.message)),
  };
  if (typeof err.stack === 'string') out.stack = scrubText(err.stack);
  serialized.add(out);
  if (depth > MAX_DEPTH) return out;
  for (const [key, value] of Object.entries(err)) {
    if (key in out || DROPPED_KEYS.has(key) || key === 'cause' || key === 'errors') continue;
    if (key === 'parameters') {
      out.parameters = Array.isArray(value) ? value.map(parameterMarker) : REDACTED;
    } else {
      out[key] = SENSITIVE_KEYS.has(key.toLowerCase()) ? REDACTED : redactDeep(value, depth + 1);
    }
  }
  if (err.cause !== undefined) out.cause = serializeError(err.cause, depth + 1);
  if (Array.isArray(err.errors))
    out.errors = err.errors.map((e: unknown) => serializeError(e, depth + 1));
  return out;
}

/**
 * pino's `hooks.logMethod`: message strings are scrubbed, and a line logging an error without a
 * message gets the error's scrubbed message (pino would otherwise copy `err.message` as it is).
 */
export function scrubLogArguments(args: unknown[]): unknown[] {
  const [first, ...rest] = args;
  const scrubbed = rest.map((a) => (typeof a === 'string' ? scrubText(a) : a));
  if (typeof first === 'string') return [scrubText(first), ...scrubbed];
  if (scrubbed.length === 0 && first !== null && typeof first === 'object') {
    const err = isErrorLike(first) ? first : (first as { err?: unknown }).err;
    const hasMsg = (first as { msg?: unknown }).msg !== undefined;
    if (isErrorLike(err) && !hasMsg) {
      return [isErrorLike(first) ? { err: first } : first, scrubText(String(err.message))];
    }
  }
  return [first, ...scrubbed];
}
