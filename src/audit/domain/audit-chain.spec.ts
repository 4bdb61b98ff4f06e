import { auditCanonicalJson } from '../../common/canonical-json.js';
import {
  AuditChainVerifier,
  GENESIS_HASH,
  hashAuditEvent,
  type AuditEventRecord,
} from './audit-chain.js';

function chain(n: number): (AuditEventRecord & { hash: string })[] {
  const events: (AuditEventRecord & { hash: string })[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const e: AuditEventRecord = {
      seq,
      id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
      occurredAt: new Date(Date.UTC(2026, 10, 1, 0, 0, seq)).toISOString(),
      actorId: null,
      actorRole: 'system',
      action: 'test.event',
      targetType: 'user',
      targetId: String(seq),
      reason: `reason ${seq}`,
      before: { status: 'pending' },
      after: { status: 'approved', n: seq },
      override: false,
      requestId: null,
      ip: '127.0.0.1',
      deviceFingerprint: null,
      prevHash,
    };
    prevHash = hashAuditEvent(e);
    events.push({ ...e, hash: prevHash });
  }
  return events;
}

function firstBreak(events: (AuditEventRecord & { hash: string })[]) {
  const v = new AuditChainVerifier();
  for (const { hash, ...e } of events) {
    const broken = v.next(e, hash);
    if (broken) return broken;
  }
  return v.head;
}

describe('audit chain', () => {
  it('canonical JSON sorts keys at every level and drops undefined', () => {
    expect(auditCanonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[1,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('an intact chain verifies to its head', () => {
    const events = chain(5);
    expect(firstBreak(events)).toEqual({ count: 5, hash: events[4].hash });
  });

  it('names the first bad event for an edit, a deletion and a reorder', () => {
    const edited = chain(5);
    edited[2] = { ...edited[2], reason: 'reason X' };
    expect(firstBreak(edited)).toEqual({ seq: 3, problem: 'hash_mismatch' });

    const deleted = chain(5);
    deleted.splice(2, 1);
    expect(firstBreak(deleted)).toEqual({ seq: 4, problem: 'seq_gap', expectedSeq: 3 });

    const swapped = chain(5);
    [swapped[1], swapped[2]] = [
      { ...swapped[2], seq: 2 },
      { ...swapped[1], seq: 3 },
    ];
    expect(firstBreak(swapped)).toEqual({ seq: 2, problem: 'prev_hash_mismatch' });
  });
});
