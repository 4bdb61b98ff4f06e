/**
 * The stored hashes pin two byte formats: the ledger's canonical JSON (bigints as `"<digits>n"`) and the
 * audit log's (no bigint form). A real entry and a real audit event are written, read back from their
 * rows, spelled out here byte for byte (keys in sorted order, no whitespace) and hashed: the result must
 * be the hash the writer stored. A change to either encoder fails here before it breaks verification of
 * the hashes already in production.
 */
import { createHash } from 'node:crypto';
import { AuditService } from '../src/audit/audit.service.js';
import { TransactionRunner } from '../src/database/transaction.js';
import { credit, debit } from '../src/ledger/domain/journal.js';
import { startLedger, type FreshLedgerApp } from './support/ledger.js';
import { withClient } from './support/test-database.js';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const str = (value: string | null) => JSON.stringify(value);

let app: FreshLedgerApp;

beforeAll(async () => {
  app = await startLedger();
}, 60000);

afterAll(async () => {
  await app?.close();
});

it("a ledger entry's stored hash is SHA-256 of its row in the ledger's canonical JSON", async () => {
  for (const code of ['asset:gateway_receivable', 'liability:dealer_payable:d1'])
    expect((await app.ledger.execute({ type: 'open_account', code })).code).toBe('ok');
  const posted = await app.ledger.execute({
    type: 'post',
    key: 'canonical:1',
    lines: [
      debit('asset:gateway_receivable', 12_345n),
      credit('liability:dealer_payable:d1', 12_345n),
    ],
    meta: {
      eventType: 'test',
      reference: 'order:o1',
      actor: 'system:test',
      metadata: { orderId: 'o1' },
    },
  });
  expect(posted.code).toBe('ok');
  await withClient(app.db.ownerUrl, async (c) => {
    const [e] = (
      await c.query<{
        id: string;
        kind: string;
        event_type: string;
        reference: string;
        actor: string;
        effective_at: Date;
        metadata: unknown;
        pending_id: string | null;
        reversal_of: string | null;
        timeout_at: Date | null;
        input_hash: string;
        result: unknown;
        hash: string;
      }>(`SELECT * FROM ledger_entries WHERE reference = 'order:o1'`)
    ).rows;
    const { rows: lines } = await c.query<{ code: string; side: string; amount: string }>(
      `SELECT a.code, l.side, l.amount::text AS amount FROM ledger_lines l
       JOIN ledger_accounts a ON a.id = l.account_id WHERE l.entry_id = $1 ORDER BY l.line_no`,
      [e!.id],
    );
    expect(e!.metadata).toEqual({ orderId: 'o1' });
    expect(e!.result).toEqual({ code: 'ok', entryKey: 'canonical:1' });
    expect(lines).toHaveLength(2);
    const bytes =
      `{"actor":${str(e!.actor)},"effectiveAt":${str(e!.effective_at.toISOString())},` +
      `"eventType":${str(e!.event_type)},"id":${str(e!.id)},"inputHash":${str(e!.input_hash)},` +
      `"kind":${str(e!.kind)},` +
      `"lines":[${lines.map((l) => `[${str(l.code)},${str(l.side)},"${l.amount}n"]`).join(',')}],` +
      `"metadata":{"orderId":"o1"},"pendingId":null,"reference":${str(e!.reference)},"result":{"code":"ok","entryKey":"canonical:1"},` +
      `"reversalOf":null,"timeoutAt":null,"v":1}`;
    expect(bytes).toContain('"12345n"');
    expect(e!.hash).toBe(sha256(bytes));
  });
});

it("an audit event's stored hash is SHA-256 of its row in the audit log's canonical JSON", async () => {
  const transactions = app.moduleRef.get(TransactionRunner);
  await transactions.run((tx) =>
    new AuditService().record(
      tx,
      {
        requestId: 'req-1',
        ip: '203.0.113.7',
        deviceFingerprint: null,
        userAgent: null,
        principal: null,
      },
      {
        action: 'test.canonical',
        targetType: 'order',
        targetId: 'o1',
        reason: 'pin the "format" ₹',
        before: null,
        after: { a: 1, b: [true, 'x'], c: { d: null } },
      },
    ),
  );
  await withClient(app.db.ownerUrl, async (c) => {
    const [r] = (
      await c.query<{
        seq: string;
        id: string;
        occurred_at: Date;
        actor_id: string | null;
        actor_role: string | null;
        ip: string | null;
        prev_hash: string;
        hash: string;
      }>(`SELECT * FROM audit_events WHERE action = 'test.canonical'`)
    ).rows;
    const bytes =
      `{"action":"test.canonical","actorId":${str(r!.actor_id)},"actorRole":${str(r!.actor_role)},` +
      `"after":{"a":1,"b":[true,"x"],"c":{"d":null}},"before":null,"deviceFingerprint":null,` +
      `"id":${str(r!.id)},"ip":${str(r!.ip)},"occurredAt":${str(r!.occurred_at.toISOString())},` +
      `"override":false,"prevHash":${str(r!.prev_hash)},"reason":"pin the \\"format\\" ₹",` +
      `"requestId":"req-1","seq":${Number(r!.seq)},"targetId":"o1","targetType":"order"}`;
    expect(r!.hash).toBe(sha256(bytes));
  });
});
