import {
  checkoutSignature,
  hmacSha256Hex as sandboxHmac,
} from '../../scripts/razorpay-sandbox/signing.js';
import { GatewayError } from './payment-gateway.js';
import {
  hmacSha256Hex,
  RazorpayGateway,
  signatureMatches,
  toGatewayError,
} from './razorpay.gateway.js';

describe('Razorpay signatures', () => {
  it('HMAC-SHA256 matches the published vector (key "secret", message "hello")', () => {
    const vector = '88aab3ede8d3adf94d26ab90d3bafd4a2083070c3bcce9c014ee04a443847c0b';
    expect(hmacSha256Hex('secret', 'hello')).toBe(vector);
    expect(sandboxHmac('secret', 'hello')).toBe(vector);
  });

  it('verifies checkout signatures of order_id|payment_id with the key secret, timing-safe', () => {
    const gateway = new RazorpayGateway({
      apiUrl: 'http://127.0.0.1:9',
      keyId: 'rzp_test_unit',
      keySecret: 'unit-key-secret',
      webhookSecrets: [],
    });
    const signature = checkoutSignature('unit-key-secret', 'order_A', 'pay_B');
    expect(signature).toBe(hmacSha256Hex('unit-key-secret', 'order_A|pay_B'));
    expect(
      gateway.verifyCheckoutSignature({ orderId: 'order_A', paymentId: 'pay_B', signature }),
    ).toBe(true);
    expect(
      gateway.verifyCheckoutSignature({
        orderId: 'order_A',
        paymentId: 'pay_B',
        signature: signature.toUpperCase(),
      }),
    ).toBe(true);
    expect(
      gateway.verifyCheckoutSignature({ orderId: 'order_X', paymentId: 'pay_B', signature }),
    ).toBe(false);
    expect(
      gateway.verifyCheckoutSignature({ orderId: 'order_A', paymentId: 'pay_B', signature: '' }),
    ).toBe(false);
    expect(signatureMatches(signature, `${signature}00`)).toBe(false);
  });
});

describe('toGatewayError', () => {
  it('maps SDK-normalised errors, interceptor failures and anything else', () => {
    expect(
      toGatewayError('x', {
        statusCode: 400,
        error: { code: 'BAD_REQUEST_ERROR', description: 'nope' },
      }),
    ).toMatchObject({
      statusCode: 400,
      code: 'BAD_REQUEST_ERROR',
      retryable: false,
    });
    expect(toGatewayError('x', { statusCode: 503, error: { code: 'SERVER_ERROR' } })).toMatchObject(
      { retryable: true },
    );
    expect(toGatewayError('x', { statusCode: 429, error: undefined })).toMatchObject({
      retryable: true,
      code: null,
    });
    expect(
      toGatewayError('x', {
        statusCode: 0,
        error: { code: 'ECONNRESET', description: 'socket hang up' },
      }),
    ).toMatchObject({
      statusCode: null,
      code: 'ECONNRESET',
      retryable: true,
    });
    expect(
      toGatewayError('refund payment', { response: { status: 409, data: {} } }).retryable,
    ).toBe(true);
    expect(toGatewayError('fetch order', { response: { status: 409, data: {} } }).retryable).toBe(
      false,
    );
    const other = toGatewayError('x', new TypeError('boom'));
    expect(other).toBeInstanceOf(GatewayError);
    expect(other.retryable).toBe(false);
  });
});
