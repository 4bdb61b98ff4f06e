import type { TunnelRelay } from '../config/remote-config.js';
import { relayFor } from './relay-choice.js';

const relay = (id: string): TunnelRelay => ({
  id,
  url: `tls://${id}.example:7443`,
  certFingerprint: null,
});
/** 1,000 fixed session ids (deterministic, uuid-shaped). */
const sessions = Array.from(
  { length: 1000 },
  (_, i) => `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`,
);

describe('relayFor', () => {
  const three = ['relay-0', 'relay-1', 'relay-2'].map(relay);

  it('spreads sessions over the relays about evenly, the same way every time', () => {
    const counts = new Map<string, number>();
    for (const sid of sessions) {
      const id = relayFor(sid, three, null).id;
      expect(relayFor(sid, [...three].reverse(), null).id).toBe(id); // order of the list is irrelevant
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    for (const r of three) {
      expect(counts.get(r.id)).toBeGreaterThan(280);
      expect(counts.get(r.id)).toBeLessThan(390);
    }
  });

  it('moves only the sessions of a removed relay, and only a share to an added one', () => {
    const two = three.slice(0, 2);
    const four = [...three, relay('relay-3')];
    for (const sid of sessions) {
      const before = relayFor(sid, three, null).id;
      const fewer = relayFor(sid, two, null).id;
      if (before !== 'relay-2') expect(fewer).toBe(before);
      const more = relayFor(sid, four, null).id;
      if (more !== 'relay-3') expect(more).toBe(before);
    }
  });

  it('keeps a session on its relay while that relay is configured', () => {
    const sid = sessions[0]!;
    const chosen = relayFor(sid, three, null).id;
    const other = three.find((r) => r.id !== chosen)!.id;
    expect(relayFor(sid, three, other).id).toBe(other);
    expect(relayFor(sid, three, 'relay-gone').id).toBe(chosen);
  });
});
