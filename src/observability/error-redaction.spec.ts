import { QueryFailedError } from 'typeorm';
import {
  REDACTED,
  redactDeep,
  scrubLogArguments,
  scrubText,
  serializeError,
} from './error-redaction.js';

const EMAIL = 'asha.dealer@example.in';
const PHONE = '+919876543210';
const PAN = 'ABCDE1234F';
const GSTIN = '29ABCDE1234F1Z5';
const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$0123456789abcdefABCDEF+/hashhash';
const PII = [EMAIL, PHONE, '9876543210', PAN, GSTIN, HASH, 'c2FsdHNhbHRzYWx0'];

/** A pg unique violation as TypeORM throws it (the driver's fields copied onto the error). */
function uniqueViolation(): QueryFailedError {
  const driverError = Object.assign(
    new Error('duplicate key value violates unique constraint "users_email_key"'),
    {
      code: '23505',
      detail: `Key (email)=(${EMAIL}) already exists.`,
      constraint: 'users_email_key',
      table: 'users',
      schema: 'public',
    },
  );
  return new QueryFailedError(
    'INSERT INTO "users"("email", "phone", "pan", "gstin", "password_hash") VALUES ($1, $2, $3, $4, $5)',
    [EMAIL, PHONE, PAN, GSTIN, HASH],
    driverError,
  );
}

describe('scrubText', () => {
  it('replaces e-mails, Indian mobile numbers, PAN, GSTIN and argon2 hashes', () => {
    expect(
      scrubText(
        `signup ${EMAIL} ${PHONE} 09876543210 98765 43210 pan ${PAN} gstin ${GSTIN} hash ${HASH}`,
      ),
    ).toBe(
      'signup [redacted:email] [redacted:phone] [redacted:phone] [redacted:phone] pan ' +
        '[redacted:pan] gstin [redacted:gstin] hash [redacted:argon2]',
    );
  });

  it('replaces the values PostgreSQL quotes, keeping columns and constraints', () => {
    expect(scrubText('Key (lower(email::text))=(Asha Rao, 12 MG Road) already exists.')).toBe(
      `Key (lower(email::text))=(${REDACTED}) already exists.`,
    );
    expect(scrubText('Key (dealer_id)=(4b1d) is not present in table "users".')).toBe(
      `Key (dealer_id)=(${REDACTED}) is not present in table "users".`,
    );
    expect(scrubText('Failing row contains (1, Asha Rao, null).')).toBe(
      `Failing row contains (${REDACTED}).`,
    );
    expect(scrubText('invalid input syntax for type uuid: "Asha Rao"')).toBe(
      `invalid input syntax for type uuid: "${REDACTED}"`,
    );
  });

  it('replaces coordinates in a URL query, keeping the other parameters', () => {
    expect(scrubText('/technicians/nearby?lat=12.9716&lng=77.5946&radiusKm=5&Latitude=1.5')).toBe(
      `/technicians/nearby?lat=${REDACTED}&lng=${REDACTED}&radiusKm=5&Latitude=${REDACTED}`,
    );
    expect(redactDeep({ body: { lat: 12.97, lng: 77.59, accuracyM: 8 } })).toEqual({
      body: { lat: REDACTED, lng: REDACTED, accuracyM: 8 },
    });
  });

  it('leaves ids, amounts, timestamps and SQL alone', () => {
    const text =
      'order 4f9c2a1e-7b3d-4c5e-9a8b-123456789012 paid 49999 paise at 1764140000000; SELECT $1::text';
    expect(scrubText(text)).toBe(text);
  });
});

describe('serializeError', () => {
  it('keeps SQLSTATE, constraint and SQL text, drops parameter values and scrubs the detail', () => {
    const out = serializeError(uniqueViolation()) as Record<string, unknown>;
    expect(out).toMatchObject({
      type: 'QueryFailedError',
      message: 'duplicate key value violates unique constraint "users_email_key"',
      code: '23505',
      constraint: 'users_email_key',
      table: 'users',
      detail: `Key (email)=(${REDACTED}) already exists.`,
      query: expect.stringContaining('VALUES ($1, $2, $3, $4, $5)') as unknown,
      parameters: [
        'string(22)',
        'string(13)',
        'string(10)',
        'string(15)',
        `string(${HASH.length})`,
      ],
    });
    expect(out).not.toHaveProperty('driverError');
    const json = JSON.stringify(out);
    for (const value of PII) expect(json).not.toContain(value);
  });

  it('serializes causes, aggregated errors and errors nested in logged objects', () => {
    const wrapped = new Error(`signup of ${EMAIL} failed`, { cause: uniqueViolation() });
    const aggregate = new AggregateError([uniqueViolation()], `batch for ${PHONE}`);
    const logged = redactDeep({ err: wrapped, context: { aggregate, note: `pan ${PAN}` } });
    const json = JSON.stringify(logged);
    for (const value of PII) expect(json).not.toContain(value);
    expect(json).toContain('23505');
    expect(logged).toMatchObject({
      err: { message: 'signup of [redacted:email] failed', cause: { code: '23505' } },
      context: { aggregate: { errors: [{ constraint: 'users_email_key' }] } },
    });
  });

  it("accepts pino-std-serializers' output and its own output unchanged", () => {
    const once = serializeError(uniqueViolation()) as object;
    expect(serializeError(once)).toBe(once);
    const std = Object.assign({ type: 'Object', message: 'x' }, {}) as Record<string, unknown>;
    Object.defineProperty(std, 'raw', { value: uniqueViolation(), enumerable: false });
    expect(serializeError(std)).toMatchObject({ type: 'QueryFailedError', code: '23505' });
  });

  it('scrubs thrown strings and non-error values', () => {
    expect(serializeError(`rejected for ${EMAIL}`)).toBe('rejected for [redacted:email]');
    expect(serializeError({ phone: PHONE, reason: 'x' })).toEqual({ phone: REDACTED, reason: 'x' });
  });
});

describe('scrubLogArguments', () => {
  it('scrubs message strings and gives an error logged alone its scrubbed message', () => {
    expect(scrubLogArguments([`job failed: ${EMAIL}`])).toEqual(['job failed: [redacted:email]']);
    const err = new Error(`duplicate ${GSTIN}`);
    expect(scrubLogArguments([err])).toEqual([{ err }, 'duplicate [redacted:gstin]']);
    expect(scrubLogArguments([{ err, context: 'X' }])).toEqual([
      { err, context: 'X' },
      'duplicate [redacted:gstin]',
    ]);
    expect(scrubLogArguments([{ err }, `kept ${PAN}`])).toEqual([{ err }, 'kept [redacted:pan]']);
  });
});

describe('redactDeep', () => {
  it('censors sensitive keys at any depth, case-insensitively, without touching the input', () => {
    const input = {
      user: {
        Phone: '+919876543210',
        name: 'Asha',
        devices: [{ IMEI: '356938035643809', model: 'iPhone 13' }],
      },
      dealer: {
        gstin: '29ABCDE1234F1Z5',
        pan: 'ABCDE1234F',
        bank: { accountNumber: '1234', ifsc: 'HDFC0001' },
      },
      password: 'hunter2',
      amountPaise: 50000,
    };
    const out = redactDeep(input) as typeof input;
    expect(out).toEqual({
      user: { Phone: REDACTED, name: 'Asha', devices: [{ IMEI: REDACTED, model: 'iPhone 13' }] },
      dealer: { gstin: REDACTED, pan: REDACTED, bank: { accountNumber: REDACTED, ifsc: REDACTED } },
      password: REDACTED,
      amountPaise: 50000,
    });
    expect(input.password).toBe('hunter2');
  });

  it('leaves scalars and other class instances (raw request/response) to their serializers', () => {
    const res = new (class Response {
      statusCode = 200;
    })();
    expect((redactDeep({ res }) as { res: unknown }).res).toBe(res);
    expect(redactDeep('phone')).toBe('phone');
    expect(redactDeep(null)).toBeNull();
  });
});
