import { ROLES } from '../../common/roles.js';
import { isValidGstin, PAN_PATTERN } from '../../common/gstin.js';
import { checkGstRegistration } from '../domain/gst-registration.js';
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

  it('give each technician a PAN of a person, its own (their payee details carry it)', () => {
    const pans = DEMO_ACCOUNTS.filter((a) => a.role === 'technician').map((a) => a.pan ?? '');
    for (const pan of pans) {
      expect(pan).toMatch(PAN_PATTERN);
      expect(pan.charAt(3)).toBe('P');
    }
    const all = DEMO_ACCOUNTS.flatMap((a) => a.pan ?? a.gst?.pan ?? []);
    expect(new Set(all).size).toBe(all.length);
  });
});

describe('demo GST registrations', () => {
  const registered = DEMO_ACCOUNTS.filter((a) => a.role === 'dealer' || a.role === 'business');

  it('give every dealer and the business buyer a valid GSTIN of its own, fitting its PAN and state', () => {
    for (const a of registered) {
      expect(a.gst).toBeDefined();
      const { gstin, pan, address } = a.gst!;
      expect(isValidGstin(gstin)).toBe(true);
      expect(pan === undefined).toBe(a.role === 'business');
      expect(
        checkGstRegistration({
          gstin,
          address: { field: 'address.state', state: address.state },
          pan,
        }),
      ).toBeNull();
    }
    expect(new Set(registered.map((a) => a.gst!.gstin)).size).toBe(registered.length);
  });

  it('put the approved dealers in several states, one of them the business buyer’s (intra- and inter-state sales)', () => {
    const state = (a: (typeof registered)[number]) => a.gst!.address.state;
    const buyer = registered.find((a) => a.role === 'business')!;
    const dealers = registered.filter((a) => a.role === 'dealer' && a.status === 'approved');
    expect(dealers.filter((d) => state(d) === state(buyer)).length).toBeGreaterThan(0);
    expect(dealers.filter((d) => state(d) !== state(buyer)).length).toBeGreaterThan(0);
    expect(new Set(dealers.map(state)).size).toBe(dealers.length);
  });
});
