import { ROLES, ACCOUNT_STATUSES, type Principal, type Role } from '../../common/roles.js';
import { priceChannelOf } from './price-channel.js';

const as = (role: Role, status: Principal['status'] = 'approved'): Principal => ({
  userId: 'u',
  sessionId: 's',
  role,
  status,
  technicianKind: null,
});

describe('priceChannelOf', () => {
  it('gives anonymous visitors B2C prices', () => {
    expect(priceChannelOf(null)).toBe('b2c');
  });

  it('gives B2B prices to approved business buyers only, both prices to approved staff only', () => {
    const expected: Record<Role, string> = {
      customer: 'b2c',
      business: 'b2b',
      dealer: 'b2c',
      technician: 'b2c',
      admin: 'staff',
      finance: 'staff',
      ops_leader: 'staff',
      compliance: 'staff',
      cfo: 'staff',
    };
    for (const role of ROLES) {
      expect([role, priceChannelOf(as(role))]).toEqual([role, expected[role]]);
      for (const status of ACCOUNT_STATUSES.filter((s) => s !== 'approved'))
        expect([role, status, priceChannelOf(as(role, status))]).toEqual([role, status, 'b2c']);
    }
  });
});
