import { verifyWebhookSignature, webhookSignature } from './signature.js';

describe('Razorpay webhook signature', () => {
  const body = Buffer.from('{"entity":"event","event":"payment.captured"}');

  it('matches the published vector: HMAC-SHA256 of "hello" keyed "secret"', () => {
    const vector = '88aab3ede8d3adf94d26ab90d3bafd4a2083070c3bcce9c014ee04a443847c0b';
    expect(webhookSignature('hello', 'secret')).toBe(vector);
    expect(webhookSignature(Buffer.from('hello'), 'secret')).toBe(vector);
    expect(verifyWebhookSignature('hello', vector, ['secret'])).toBe(0);
    expect(verifyWebhookSignature('hello', vector.toUpperCase(), ['secret'])).toBe(0);
  });

  it('accepts the current secret and, during a rotation, the previous one', () => {
    const secrets = ['current-secret', 'previous-secret'];
    expect(verifyWebhookSignature(body, webhookSignature(body, 'current-secret'), secrets)).toBe(0);
    expect(verifyWebhookSignature(body, webhookSignature(body, 'previous-secret'), secrets)).toBe(
      1,
    );
    // After the rotation ends, the previous secret no longer signs anything valid.
    expect(
      verifyWebhookSignature(body, webhookSignature(body, 'previous-secret'), ['current-secret']),
    ).toBeNull();
  });

  it('refuses an unknown secret, a missing or malformed header, and any other body', () => {
    const secrets = ['current-secret', 'previous-secret'];
    const good = webhookSignature(body, 'current-secret');
    expect(
      verifyWebhookSignature(body, webhookSignature(body, 'other-secret'), secrets),
    ).toBeNull();
    expect(verifyWebhookSignature(body, undefined, secrets)).toBeNull();
    expect(verifyWebhookSignature(body, '', secrets)).toBeNull();
    expect(verifyWebhookSignature(body, good.slice(0, 62), secrets)).toBeNull();
    expect(verifyWebhookSignature(body, `${good}00`, secrets)).toBeNull();
    expect(verifyWebhookSignature(body, `${good.slice(0, 63)}g`, secrets)).toBeNull();
    expect(verifyWebhookSignature(body, ` ${good.slice(1)}`, secrets)).toBeNull();
    // Same JSON, re-serialised with other whitespace: other bytes, so another signature.
    const reserialised = JSON.stringify(JSON.parse(body.toString()), null, 2);
    expect(verifyWebhookSignature(reserialised, good, secrets)).toBeNull();
    // One flipped bit anywhere in the signature.
    const flipped = Buffer.from(good, 'hex');
    flipped[31] = flipped[31]! ^ 1;
    expect(verifyWebhookSignature(body, flipped.toString('hex'), secrets)).toBeNull();
    expect(verifyWebhookSignature(body, good, [])).toBeNull();
  });
});
