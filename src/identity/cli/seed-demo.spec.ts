import { ROLES } from '../../access/roles.js';
import { DEMO_ACCOUNTS } from './seed-demo.command.js';

describe('demo accounts', () => {
  it('cover every role, both technician kinds and a pending dealer, with unique emails', () => {
    expect(new Set(DEMO_ACCOUNTS.map((a) => a.role))).toEqual(new Set(ROLES));
    expect(
      DEMO_ACCOUNTS.filter((a) => a.role === 'technician')
        .map((a) => a.technicianKind)
        .sort(),
    ).toEqual(['hardware', 'software']);
    expect(DEMO_ACCOUNTS.some((a) => a.role === 'dealer' && a.status === 'pending')).toBe(true);
    expect(new Set(DEMO_ACCOUNTS.map((a) => a.email)).size).toBe(DEMO_ACCOUNTS.length);
  });
});
