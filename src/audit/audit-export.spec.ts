import { hashAuditEvent, GENESIS_HASH, type AuditEventRecord } from './domain/audit-chain.js';
import { auditExportChunks, auditJsonLine, AUDIT_CSV_COLUMNS } from './audit-export.js';
import type { StoredAuditEvent } from './audit-query.service.js';

const record: AuditEventRecord = {
  seq: 1,
  id: '00000000-0000-4000-8000-000000000001',
  occurredAt: '2026-11-01T00:00:00.000Z',
  actorId: '00000000-0000-4000-8000-00000000000a',
  actorRole: 'admin',
  action: 'user.approve',
  targetType: 'user',
  targetId: 'u1',
  reason: '=1+1, "quoted"\nnext line',
  before: { status: 'pending' },
  after: { z: 1, a: [true, null] },
  override: false,
  requestId: 'req-1',
  ip: '10.0.0.1',
  deviceFingerprint: null,
  prevHash: GENESIS_HASH,
};
const event: StoredAuditEvent = { ...record, hash: hashAuditEvent(record) };

async function collect(format: 'csv' | 'jsonl'): Promise<string> {
  async function* batches() {
    yield [event];
    yield [{ ...event, seq: 2 }];
  }
  let out = '';
  for await (const chunk of auditExportChunks(batches(), format)) out += chunk;
  return out;
}

describe('audit export', () => {
  it('a JSON line without its hash field hashes to that field (re-verifiable off the box)', () => {
    const parsed = JSON.parse(auditJsonLine(event)) as StoredAuditEvent;
    const { hash, ...rest } = parsed;
    expect(hashAuditEvent(rest)).toBe(hash);
  });

  it('JSON Lines: one event per line', async () => {
    const lines = (await collect('jsonl')).split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    expect((JSON.parse(lines[1]) as { seq: number }).seq).toBe(2);
  });

  it('CSV: a header row, escaped and neutralised cells, JSON columns as canonical JSON', async () => {
    const csv = await collect('csv');
    expect(csv.startsWith(`${AUDIT_CSV_COLUMNS.join(',')}\r\n`)).toBe(true);
    expect(csv).toContain(`"'=1+1, ""quoted""\nnext line"`);
    expect(csv).toContain('"{""status"":""pending""}","{""a"":[true,null],""z"":1}",false');
    expect(csv.split('\r\n')).toHaveLength(4);
  });
});
