import { REDACTED, redactDeep } from './logging.js';

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

  it('leaves scalars and class instances (errors, raw request/response) to their serializers', () => {
    const err = new Error('x');
    expect(redactDeep(err)).toBe(err);
    const res = new (class Response {
      statusCode = 200;
    })();
    expect((redactDeep({ res }) as { res: unknown }).res).toBe(res);
    expect(redactDeep('phone')).toBe('phone');
    expect(redactDeep(null)).toBeNull();
  });
});
