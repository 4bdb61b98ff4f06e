import {
  identifiesSomeone,
  identityMatches,
  newAccountHit,
  refundAbuse,
  sharedDevices,
  velocityHits,
  type Identity,
} from './fraud-rules.js';

const limits = { maxOrders: 5, maxPaise: 100_000, ipMultiplier: 3 };
const nobody: Identity = { phones: [], pan: null, gstin: null, devices: [], ips: [] };

describe('velocityHits', () => {
  it('fires above the order count or amount, not at it; an IP gets the multiplier', () => {
    expect(velocityHits([{ key: 'buyer', orders: 5, amountPaise: 100_000 }], limits)).toEqual([]);
    expect(velocityHits([{ key: 'buyer', orders: 6, amountPaise: 1 }], limits)).toEqual([
      { key: 'buyer', orders: 6, amountPaise: 1, maxOrders: 5, maxPaise: 100_000 },
    ]);
    expect(velocityHits([{ key: 'device', orders: 1, amountPaise: 100_001 }], limits)).toHaveLength(
      1,
    );
    expect(velocityHits([{ key: 'ip', orders: 15, amountPaise: 300_000 }], limits)).toEqual([]);
    expect(velocityHits([{ key: 'ip', orders: 16, amountPaise: 0 }], limits)).toHaveLength(1);
  });
});

describe('newAccountHit', () => {
  const l = { days: 7, firstOrders: 3, orderPaise: 2_500_000 };
  it('holds high-value orders of young accounts or early orders only', () => {
    const young = { accountAgeSeconds: 6 * 86_400, orderNumber: 10 };
    expect(newAccountHit({ ...young, totalPaise: 2_499_999 }, l)).toBeNull();
    expect(newAccountHit({ ...young, totalPaise: 2_500_000 }, l)).toEqual({
      youngAccount: true,
      earlyOrder: false,
    });
    expect(
      newAccountHit({ totalPaise: 2_500_000, accountAgeSeconds: 7 * 86_400, orderNumber: 3 }, l),
    ).toEqual({ youngAccount: false, earlyOrder: true });
    expect(
      newAccountHit({ totalPaise: 9_000_000, accountAgeSeconds: 7 * 86_400, orderNumber: 4 }, l),
    ).toBeNull();
  });
});

describe('identityMatches', () => {
  it('matches phone, PAN (also inside a GSTIN), GSTIN, device and public IPs only', () => {
    const dealer: Identity = {
      phones: ['+919800000001'],
      pan: 'ABCPD1234E',
      gstin: '29ABCPD1234E1Z5',
      devices: ['d1'],
      ips: ['203.0.113.7', '127.0.0.1'],
    };
    expect(identityMatches({ ...nobody, ips: ['127.0.0.1'] }, dealer)).toEqual([]);
    expect(
      identityMatches(
        { ...nobody, gstin: '27ABCPD1234E1Z9', devices: ['d1', 'd1'], ips: ['203.0.113.7'] },
        dealer,
      ),
    ).toEqual([
      { field: 'pan', value: 'ABCPD1234E' },
      { field: 'device', value: 'd1' },
      { field: 'ip', value: '203.0.113.7' },
    ]);
    expect(
      identityMatches({ ...nobody, phones: ['+919812345678', '+919800000001'] }, dealer),
    ).toEqual([{ field: 'phone', value: '+919800000001' }]);
  });

  it('takes loopback, private, link-local and carrier NAT addresses for nobody', () => {
    for (const ip of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '100.64.0.1',
      '::1',
      'fd00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      null,
    ])
      expect(identifiesSomeone(ip)).toBe(false);
    for (const ip of ['203.0.113.7', '49.36.1.2', '2401:4900::1', '::ffff:49.36.1.2'])
      expect(identifiesSomeone(ip)).toBe(true);
  });
});

describe('refundAbuse', () => {
  const l = { maxCount: 3, maxRatioPercent: 50, minOrders: 4 };
  it('fires above the count, or above the ratio once enough orders were paid', () => {
    expect(refundAbuse({ refunds: 3, refundedOrders: 3, paidOrders: 3 }, l)).toBeNull();
    expect(refundAbuse({ refunds: 4, refundedOrders: 2, paidOrders: 20 }, l)).toEqual({
      byCount: true,
      byRatio: false,
    });
    expect(refundAbuse({ refunds: 2, refundedOrders: 2, paidOrders: 4 }, l)).toBeNull();
    expect(refundAbuse({ refunds: 3, refundedOrders: 3, paidOrders: 4 }, l)).toEqual({
      byCount: false,
      byRatio: true,
    });
  });
});

describe('sharedDevices (rated repair jobs)', () => {
  it('finds a device or public IP the technician and the customer share', () => {
    expect(
      sharedDevices({ devices: ['a'], ips: ['10.0.0.1'] }, { devices: ['b'], ips: ['10.0.0.1'] }),
    ).toEqual([]);
    expect(
      sharedDevices(
        { devices: ['a', 'c'], ips: ['49.36.1.2'] },
        { devices: ['c'], ips: ['49.36.1.2'] },
      ),
    ).toEqual([
      { field: 'device', value: 'c' },
      { field: 'ip', value: '49.36.1.2' },
    ]);
  });
});
