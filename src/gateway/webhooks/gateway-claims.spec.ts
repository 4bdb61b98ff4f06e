import { GatewayError } from '../payment-gateway.js';
import { confirmedUnlessContradicted, contradictions, fetchKnown } from './gateway-claims.js';

describe('gateway claims', () => {
  it('lists each field the payload states with another value than the gateway', () => {
    const actual = { order_id: 'order_A', amount: 74_900, fee: 1_768, tax: null };
    expect(contradictions({ order_id: 'order_A', amount: 74_900, fee: 1_768 }, actual)).toEqual([]);
    expect(
      contradictions({ order_id: 'order_B', amount: '74900', fee: 1, tax: 0 }, actual),
    ).toEqual([
      'order_id "order_B", the gateway says "order_A"',
      'amount "74900", the gateway says 74900',
      'fee 1, the gateway says 1768',
      'tax 0, the gateway says null',
    ]);
    // Left out or null: not a claim.
    expect(contradictions({ amount: null }, actual)).toEqual([]);
  });

  it('confirms unless something differs', () => {
    expect(confirmedUnlessContradicted('payment pay_1', [], 42)).toEqual({ confirmed: 42 });
    expect(confirmedUnlessContradicted('payment pay_1', ['a', 'b'], 42)).toEqual({
      rejected: 'mismatch',
      detail: 'payment pay_1: a; b',
    });
  });

  it('rejects an id the gateway does not know; other failures propagate', async () => {
    const unknown = new GatewayError('does not exist', 400, 'BAD_REQUEST_ERROR', false);
    expect(await fetchKnown('payment pay_X', () => Promise.reject(unknown))).toEqual({
      rejected: 'unknown_at_gateway',
      detail: 'the gateway does not know payment pay_X',
    });
    expect(await fetchKnown('payment pay_1', () => Promise.resolve(7))).toEqual({ known: 7 });
    const down = new GatewayError('unavailable', 503, 'SERVER_ERROR', true);
    await expect(fetchKnown('payment pay_1', () => Promise.reject(down))).rejects.toBe(down);
    const auth = new GatewayError('bad key', 401, 'BAD_REQUEST_ERROR', false);
    await expect(fetchKnown('payment pay_1', () => Promise.reject(auth))).rejects.toBe(auth);
  });
});
