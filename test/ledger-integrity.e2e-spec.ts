/**
 * Tamper evidence and replay on PostgreSQL: a mixed journal is sealed, verifies and replays clean;
 * then, as the schema owner with the append-only triggers disabled, single edits are made and undone —
 * a one-byte edit, a deleted entry, a reordered pair, an inserted entry, a forged or re-signed seal, a
 * counter edit — and `verify`/`replay` must name exactly what was touched. Finally concurrent writers
 * (some holding their transaction open) race repeated sealers: every entry ends in exactly one seal.
 */
import { generateKeyPairSync } from 'node:crypto';
import { Test } from '@nestjs/testing';
import type pg from 'pg';
import { CLI_COMMANDS, type CliCommand } from '../src/common/cli-command.js';
import { CliModule } from '../src/cli/cli.module.js';
import type { AppConfig } from '../src/config/app-config.js';
import { TransactionRunner } from '../src/database/transaction.js';
import { entryHash, sealHash } from '../src/ledger/domain/entry-hash.js';
import { credit, debit } from '../src/ledger/domain/journal.js';
import type { EntryMeta, LedgerCommand } from '../src/ledger/domain/ledger-model.js';
import { LedgerReplayCommand } from '../src/ledger/cli/ledger-replay.command.js';
import { LedgerSealCommand } from '../src/ledger/cli/ledger-seal.command.js';
import { LedgerVerifyCommand } from '../src/ledger/cli/ledger-verify.command.js';
import {
  LedgerIntegrityService,
  type SealResult,
  type VerifyReport,
} from '../src/ledger/integrity/ledger-integrity.service.js';
import { LedgerAnchorService } from '../src/ledger/integrity/ledger-anchor.service.js';
import { SealKeyring } from '../src/ledger/integrity/seal-keys.js';
import { LedgerService } from '../src/ledger/persistence/ledger.service.js';
import {
  type FreshLedgerApp,
  LARGE_POOL_ENV,
  recomputedHash,
  startLedger,
} from './support/ledger.js';
import { type TestDatabase, withClient } from './support/test-database.js';

const GATEWAY = 'asset:gateway_receivable';
const COMMISSION = 'revenue:commission';
const DEALER = 'liability:dealer_payable:d1';
const ESCROW = 'liability:escrow:order:o1';

const meta = (reference: string): EntryMeta => ({
  eventType: 'test',
  reference,
  actor: 'system:test',
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let db: TestDatabase;
let app: FreshLedgerApp;
let ledger: LedgerService;
let integrity: LedgerIntegrityService;
let transactions: TransactionRunner;
let config: AppConfig;

/** Runs `work` as the schema owner with the user triggers (append-only guards) of `tables` disabled. */
async function tamper(tables: string[], work: (c: pg.Client) => Promise<void>): Promise<void> {
  await withClient(db.ownerUrl, async (c) => {
    await c.query('BEGIN');
    for (const t of tables) await c.query(`ALTER TABLE ${t} DISABLE TRIGGER USER`);
    await work(c);
    for (const t of tables) await c.query(`ALTER TABLE ${t} ENABLE TRIGGER USER`);
    await c.query('COMMIT');
  });
}

async function ok(command: LedgerCommand): Promise<void> {
  const r = await ledger.execute(command);
  expect({ command: command.type, code: r.code }).toEqual({ command: command.type, code: 'ok' });
}

async function sealEverything(): Promise<void> {
  // Sealing stops below the oldest transaction running anywhere on the cluster (other test files
  // share it): poll until nothing written here is left unsealed.
  const deadline = Date.now() + 45_000;
  for (;;) {
    await integrity.sealAll();
    const left = await owner<{ n: string }>(
      `SELECT count(*)::text AS n FROM ledger_entries e
       WHERE NOT EXISTS (SELECT 1 FROM ledger_seal_entries m WHERE m.entry_id = e.id)`,
    );
    if (left[0].n === '0') return;
    if (Date.now() > deadline) throw new Error(`${left[0].n} entries still unsealed`);
    await sleep(100);
  }
}

async function owner<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []) {
  return withClient(db.ownerUrl, async (c) => (await c.query<T>(sql, params)).rows);
}

function expectClean(report: VerifyReport): void {
  expect(report.problems).toEqual([]);
  expect(report.ok).toBe(true);
  expect(report.firstProblem).toBeNull();
}

beforeAll(async () => {
  app = await startLedger({ env: LARGE_POOL_ENV });
  db = app.db;
  config = app.config;
  ledger = app.ledger;
  integrity = app.moduleRef.get(LedgerIntegrityService);
  transactions = app.moduleRef.get(TransactionRunner);
}, 60000);

afterAll(async () => {
  await app?.close();
});

describe('ledger tamper evidence', () => {
  it('a mixed journal seals in bounded seals, verifies and replays clean', async () => {
    expect(await integrity.sealPending()).toBeNull(); // nothing to seal yet
    expectClean(await integrity.verify());

    for (const code of [GATEWAY, COMMISSION, DEALER, ESCROW]) {
      await ok({ type: 'open_account', code });
    }
    await ok({
      type: 'post',
      key: 'pay:1',
      lines: [debit(GATEWAY, 100_000n), credit(DEALER, 95_000n), credit(COMMISSION, 5_000n)],
      meta: { ...meta('order:o0'), metadata: { orderId: 'o0', note: 'first "quoted" ₹ sale' } },
    });
    await ok({
      type: 'post',
      key: 'pay:2',
      lines: [debit(GATEWAY, 700n), credit(DEALER, 700n)],
      meta: meta('order:o2'),
    });
    await ok({
      type: 'post',
      key: 'pay:3',
      lines: [debit(GATEWAY, 300n), credit(DEALER, 300n)],
      meta: meta('order:o3'),
    });
    await ok({ type: 'reverse', key: 'rev:2', entryKey: 'pay:2', meta: meta('refund:r2') });
    await ok({
      type: 'hold',
      key: 'hold:1',
      lines: [debit(GATEWAY, 30_000n), credit(ESCROW, 30_000n)],
      timeoutSeconds: 3600,
      meta: meta('order:o1'),
    });
    await ok({
      type: 'post_pending',
      key: 'post:1',
      pendingKey: 'hold:1',
      amountPaise: 20_000n,
      meta: meta('order:o1'),
    });
    await ok({
      type: 'hold',
      key: 'hold:2',
      lines: [debit(GATEWAY, 4_000n), credit(ESCROW, 4_000n)],
      timeoutSeconds: 0,
      meta: meta('order:o4'),
    });
    await ok({ type: 'void_pending', key: 'void:2', pendingKey: 'hold:2', meta: meta('order:o4') });
    await ok({
      type: 'hold',
      key: 'hold:3',
      lines: [debit(GATEWAY, 1_000n), credit(ESCROW, 1_000n)],
      timeoutSeconds: 1,
      meta: meta('order:o5'),
    });
    await ok({
      type: 'hold',
      key: 'hold:4',
      lines: [debit(GATEWAY, 2_500n), credit(ESCROW, 2_500n)],
      timeoutSeconds: 3600,
      meta: meta('order:o6'),
    });
    await ok({
      type: 'batch',
      commands: [
        {
          type: 'post',
          key: 'batch:a',
          lines: [debit(GATEWAY, 50n), credit(DEALER, 50n)],
          meta: meta('batch:1'),
        },
        {
          type: 'post',
          key: 'batch:b',
          lines: [debit(DEALER, 20n), credit(COMMISSION, 20n)],
          meta: meta('batch:1'),
        },
      ],
    });
    await sleep(1_100);
    expect((await ledger.expirePending('hold:3', meta('expiry'))).code).toBe('ok');
    const entries = 13;

    // Before sealing: every entry is hash-checked, none is protected by a seal yet.
    const before = await integrity.verify();
    expectClean(before);
    expect(before).toMatchObject({
      entriesChecked: entries,
      sealsChecked: 0,
      unsealedEntries: entries,
    });

    // Small seals: 5 entries at most each (batch:a and batch:b share a transaction and a seal).
    // (Sealing waits for the oldest transaction running on the cluster: poll.)
    const seals: SealResult[] = [];
    const deadline = Date.now() + 45_000;
    while (seals.reduce((n, s) => n + s.entries, 0) < entries) {
      const s = await integrity.sealPending(5);
      if (s !== null) seals.push(s);
      else if (Date.now() > deadline) throw new Error('entries left unsealed');
      else await sleep(100);
    }
    expect(seals.map((s) => s.sealNo)).toEqual(seals.map((_, i) => String(i + 1)));
    expect(seals.every((s) => s.entries <= 5)).toBe(true);
    expect(seals.reduce((n, s) => n + s.entries, 0)).toBe(entries);
    expect(seals.length).toBeGreaterThanOrEqual(3);
    expect(await integrity.sealPending()).toBeNull(); // nothing new: no empty seal

    const sealedBatch = await owner<{ seal_no: string }>(
      `SELECT DISTINCT seal_no::text FROM ledger_seal_entries WHERE entry_id IN ('batch:a','batch:b')`,
    );
    expect(sealedBatch).toHaveLength(1);

    const report = await integrity.verify();
    expectClean(report);
    expect(report).toMatchObject({
      entriesChecked: entries,
      sealsChecked: seals.length,
      sealedEntries: entries,
      unsealedEntries: 0,
      lastSeal: { sealNo: String(seals.length), keyId: integrity.sealKeyId },
    });

    const replay = await integrity.replay();
    expect(replay).toMatchObject({
      ok: true,
      accountsChecked: 4,
      entriesChecked: entries,
      mismatches: [],
      unbalancedEntries: [],
    });
    expect(replay.totals.balanced).toBe(true);
    // Posted: 100000 + 700 + 300 + 700 (reversal) + 20000 + 50 + 20; pending: hold:4 only.
    expect(replay.totals.journal).toEqual({
      debitsPosted: '121770',
      creditsPosted: '121770',
      debitsPending: '2500',
      creditsPending: '2500',
    });
    // Rolling the hot accounts' deltas into their rows changes nothing.
    expect(await ledger.rollUpBalanceDeltas()).toBeGreaterThan(0);
    expect((await integrity.replay()).ok).toBe(true);

    // A new entry is unsealed until the next seal, which chains on.
    await ok({
      type: 'post',
      key: 'pay:4',
      lines: [debit(GATEWAY, 10n), credit(DEALER, 10n)],
      meta: meta('order:o7'),
    });
    expect(await integrity.verify()).toMatchObject({ ok: true, unsealedEntries: 1 });
    await sealEverything();
    expect(await integrity.verify()).toMatchObject({
      ok: true,
      unsealedEntries: 0,
      sealedEntries: entries + 1,
    });
  }, 60000);

  it('a one-byte edit of an entry (reference, line amount, metadata) names that entry', async () => {
    await tamper(['ledger_entries'], (c) =>
      c.query(`UPDATE ledger_entries SET reference = 'order:o4' WHERE id = 'pay:3'`).then(() => {}),
    );
    let report = await integrity.verify();
    expect(report.ok).toBe(false);
    expect(report.firstProblem).toEqual({
      kind: 'entry_content',
      entryId: 'pay:3',
      seq: expect.any(String),
      message: expect.stringMatching(/^entry pay:3 \(seq \d+\): content does not match its hash$/),
    });
    expect(report.problemsTotal).toBe(1);
    await tamper(['ledger_entries'], (c) =>
      c.query(`UPDATE ledger_entries SET reference = 'order:o3' WHERE id = 'pay:3'`).then(() => {}),
    );
    expectClean(await integrity.verify());

    // A line amount (balanced on both sides, so only the hash can tell).
    await tamper(['ledger_lines'], (c) =>
      c
        .query(`UPDATE ledger_lines SET amount = amount + 1 WHERE entry_id = 'pay:2'`)
        .then(() => {}),
    );
    report = await integrity.verify();
    expect(report.firstProblem).toMatchObject({ kind: 'entry_content', entryId: 'pay:2' });
    expect(report.problems.map((p) => p.entryId)).toEqual(['pay:2']);
    // …and the counters no longer reproduce.
    expect((await integrity.replay()).ok).toBe(false);
    await tamper(['ledger_lines'], (c) =>
      c
        .query(`UPDATE ledger_lines SET amount = amount - 1 WHERE entry_id = 'pay:2'`)
        .then(() => {}),
    );

    // One byte of jsonb metadata.
    await tamper(['ledger_entries'], (c) =>
      c
        .query(
          `UPDATE ledger_entries SET metadata = jsonb_set(metadata, '{orderId}', '"o9"') WHERE id = 'pay:1'`,
        )
        .then(() => {}),
    );
    expect((await integrity.verify()).firstProblem).toMatchObject({
      kind: 'entry_content',
      entryId: 'pay:1',
    });
    await tamper(['ledger_entries'], (c) =>
      c
        .query(
          `UPDATE ledger_entries SET metadata = jsonb_set(metadata, '{orderId}', '"o0"') WHERE id = 'pay:1'`,
        )
        .then(() => {}),
    );
    expectClean(await integrity.verify());
    expect((await integrity.replay()).ok).toBe(true);
  }, 60000);

  it('a deleted sealed entry is named as missing from its seal', async () => {
    const saved = await withClient(db.ownerUrl, async (c) => ({
      entry: (await c.query(`SELECT * FROM ledger_entries WHERE id = 'pay:3'`)).rows[0] as Record<
        string,
        unknown
      >,
      lines: (await c.query(`SELECT * FROM ledger_lines WHERE entry_id = 'pay:3'`)).rows as Record<
        string,
        unknown
      >[],
      member: (
        await c.query<{ seal_no: string; position: number; entry_seq: string }>(
          `SELECT seal_no::text, position, entry_seq::text FROM ledger_seal_entries WHERE entry_id = 'pay:3'`,
        )
      ).rows[0],
    }));
    await tamper(['ledger_entries', 'ledger_lines'], async (c) => {
      await c.query(`DELETE FROM ledger_lines WHERE entry_id = 'pay:3'`);
      await c.query(`DELETE FROM ledger_entries WHERE id = 'pay:3'`);
    });
    const report = await integrity.verify();
    expect(report.ok).toBe(false);
    expect(report.firstProblem).toEqual({
      kind: 'entry_missing',
      entryId: 'pay:3',
      seq: saved.member.entry_seq,
      sealNo: saved.member.seal_no,
      message: `entry pay:3 (seq ${saved.member.entry_seq}) sealed in seal ${saved.member.seal_no} at position ${saved.member.position} is missing (deleted)`,
    });
    expect(report.problemsTotal).toBe(1);
    expect((await integrity.replay()).mismatches.map((m) => m.code).sort()).toEqual([
      GATEWAY,
      DEALER,
    ]);

    // Put it back exactly as it was (same seq, xid, hash): clean again.
    await tamper(['ledger_entries', 'ledger_lines'], async (c) => {
      const insert = async (table: string, row: Record<string, unknown>) => {
        const cols = Object.keys(row);
        await c.query(
          `INSERT INTO ${table} (${cols.join(', ')}) OVERRIDING SYSTEM VALUE
           VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`,
          cols.map((k) => {
            const v = row[k];
            return v !== null && typeof v === 'object' && !(v instanceof Date)
              ? JSON.stringify(v)
              : v;
          }),
        );
      };
      await insert('ledger_entries', saved.entry);
      for (const line of saved.lines) await insert('ledger_lines', line);
    });
    expectClean(await integrity.verify());
    expect((await integrity.replay()).ok).toBe(true);
  }, 60000);

  it('two sealed entries swapped in the journal order are named as reordered', async () => {
    const [a, b] = await owner<{ id: string; seq: string }>(
      `SELECT e.id, e.seq::text AS seq FROM ledger_entries e
       WHERE e.id IN ('pay:2', 'pay:3') ORDER BY e.seq`,
    );
    const swap = (x: { id: string; seq: string }, y: { id: string; seq: string }) =>
      tamper(['ledger_entries', 'ledger_lines'], async (c) => {
        // A careful forger moves the lines' copy of seq too, so only the seal can tell.
        await c.query(`ALTER TABLE ledger_entries ALTER COLUMN seq SET GENERATED BY DEFAULT`);
        await c.query(`UPDATE ledger_entries SET seq = -1 WHERE id = $1`, [x.id]);
        await c.query(`UPDATE ledger_entries SET seq = $2 WHERE id = $1`, [y.id, x.seq]);
        await c.query(`UPDATE ledger_entries SET seq = $2 WHERE id = $1`, [x.id, y.seq]);
        await c.query(`UPDATE ledger_lines SET entry_seq = $2 WHERE entry_id = $1`, [y.id, x.seq]);
        await c.query(`UPDATE ledger_lines SET entry_seq = $2 WHERE entry_id = $1`, [x.id, y.seq]);
        await c.query(`ALTER TABLE ledger_entries ALTER COLUMN seq SET GENERATED ALWAYS`);
      });
    await swap(a, b);
    const report = await integrity.verify();
    expect(report.ok).toBe(false);
    expect(report.firstProblem).toMatchObject({
      kind: 'entry_reordered',
      entryId: a.id,
      seq: b.seq,
      message: expect.stringContaining(
        `has seq ${b.seq}, sealed as seq ${a.seq} (reordered)`,
      ) as string,
    });
    expect(report.problems.map((p) => [p.kind, p.entryId])).toEqual([
      ['entry_reordered', a.id],
      ['entry_reordered', b.id],
    ]);
    await swap({ id: a.id, seq: b.seq }, { id: b.id, seq: a.seq });
    expectClean(await integrity.verify());
  }, 60000);

  it('an entry inserted into a sealed range, with a valid hash of its own, is named', async () => {
    const [host] = await owner<{ xid: string; seal_no: string }>(
      `SELECT e.xid::text AS xid, m.seal_no::text AS seal_no FROM ledger_entries e
       JOIN ledger_seal_entries m ON m.entry_id = e.id WHERE e.id = 'pay:1'`,
    );
    await tamper(['ledger_entries'], async (c) => {
      const [src] = (
        await c.query<{ input_hash: string }>(
          `SELECT input_hash FROM ledger_entries WHERE id = 'pay:1'`,
        )
      ).rows;
      const effectiveAtMs = Date.parse('2026-11-20T10:00:00.000Z');
      const lines = [debit(GATEWAY, 1n), credit(COMMISSION, 1n)];
      const content = {
        id: 'forged:1',
        kind: 'posted',
        eventType: 'test',
        reference: 'order:forged',
        actor: 'system:test',
        metadata: {},
        pendingId: null,
        reversalOf: null,
        inputHash: src.input_hash,
        result: { code: 'ok', entryKey: 'forged:1' },
      };
      const hash = entryHash({ ...content, effectiveAtMs, timeoutAtMs: null, lines });
      const { rows } = await c.query<{ seq: string }>(
        `INSERT INTO ledger_entries (id, kind, event_type, reference, actor, effective_at, metadata,
           input_hash, result, hash, xid)
         VALUES ($1, 'posted', 'test', $2, $3, $4, '{}', $5, $6, $7, $8::xid8) RETURNING seq::text`,
        [
          content.id,
          content.reference,
          content.actor,
          new Date(effectiveAtMs).toISOString(),
          content.inputHash,
          JSON.stringify(content.result),
          hash,
          host.xid,
        ],
      );
      await c.query(
        `INSERT INTO ledger_lines (entry_id, entry_seq, line_no, account_id, side, amount)
         SELECT 'forged:1', $1::bigint, v.n, a.id, v.side, 1
         FROM (VALUES (0, 'debit', $2), (1, 'credit', $3)) v(n, side, code)
         JOIN ledger_accounts a ON a.code = v.code`,
        [rows[0].seq, GATEWAY, COMMISSION],
      );
    });
    const report = await integrity.verify();
    expect(report.firstProblem).toMatchObject({
      kind: 'entry_not_sealed',
      entryId: 'forged:1',
      sealNo: host.seal_no,
      message: expect.stringMatching(
        new RegExp(
          `^entry forged:1 \\(seq \\d+\\) was written inside seal ${host.seal_no}'s range but is not in it \\(inserted\\)$`,
        ),
      ) as string,
    });
    expect(report.problemsTotal).toBe(1);
    await tamper(['ledger_entries', 'ledger_lines'], async (c) => {
      await c.query(`DELETE FROM ledger_lines WHERE entry_id = 'forged:1'`);
      await c.query(`DELETE FROM ledger_entries WHERE id = 'forged:1'`);
    });
    expectClean(await integrity.verify());
  }, 60000);

  it('a forged seal is named: edited hash, edited signature, or a rewrite re-signed with another key', async () => {
    const [first] = await owner<{ hash: string; signature: string }>(
      `SELECT hash, signature FROM ledger_seals WHERE seal_no = 1`,
    );
    const flip = (s: string) => s.slice(0, -1) + (s.endsWith('0') ? '1' : '0');

    await tamper(['ledger_seals'], (c) =>
      c
        .query(`UPDATE ledger_seals SET hash = $1 WHERE seal_no = 1`, [flip(first.hash)])
        .then(() => {}),
    );
    let report = await integrity.verify();
    expect(report.firstProblem).toEqual({
      kind: 'seal_hash',
      sealNo: '1',
      message: 'seal 1: stored hash is not the hash of its range and members (forged or edited)',
    });
    expect(report.problems.map((p) => [p.kind, p.sealNo])).toEqual([
      ['seal_hash', '1'],
      ['seal_signature', '1'],
      ['seal_chain', '2'],
    ]);
    await tamper(['ledger_seals'], (c) =>
      c.query(`UPDATE ledger_seals SET hash = $1 WHERE seal_no = 1`, [first.hash]).then(() => {}),
    );

    const sig = Buffer.from(first.signature, 'base64');
    sig[10] ^= 0x01;
    await tamper(['ledger_seals'], (c) =>
      c
        .query(`UPDATE ledger_seals SET signature = $1 WHERE seal_no = 1`, [sig.toString('base64')])
        .then(() => {}),
    );
    report = await integrity.verify();
    expect(report.problems).toEqual([
      {
        kind: 'seal_signature',
        sealNo: '1',
        message: 'seal 1: signature does not verify (forged or edited)',
      },
    ]);
    await tamper(['ledger_seals'], (c) =>
      c
        .query(`UPDATE ledger_seals SET signature = $1 WHERE seal_no = 1`, [first.signature])
        .then(() => {}),
    );
    expectClean(await integrity.verify());

    // The thorough forger: edits an entry of the last seal, recomputes the entry hash, the member
    // hash and the seal hash. Only the signature can tell — and a signature by another key is untrusted.
    const [last] = await owner<{
      seal_no: string;
      hash: string;
      signature: string;
      key_id: string;
      public_key: string;
      entry_id: string;
    }>(
      `SELECT s.seal_no::text, s.hash, s.signature, s.key_id, s.public_key, m.entry_id
       FROM ledger_seals s JOIN ledger_seal_entries m USING (seal_no)
       ORDER BY s.seal_no DESC, m.position LIMIT 1`,
    );
    const [victim] = await owner<{ reference: string; hash: string }>(
      `SELECT reference, hash FROM ledger_entries WHERE id = $1`,
      [last.entry_id],
    );
    let forgedHash = '';
    await tamper(['ledger_entries', 'ledger_seal_entries', 'ledger_seals'], async (c) => {
      await c.query(`UPDATE ledger_entries SET reference = reference || 'x' WHERE id = $1`, [
        last.entry_id,
      ]);
      const newEntryHash = await recomputedHash(c, last.entry_id);
      await c.query(`UPDATE ledger_entries SET hash = $2 WHERE id = $1`, [
        last.entry_id,
        newEntryHash,
      ]);
      await c.query(`UPDATE ledger_seal_entries SET entry_hash = $2 WHERE entry_id = $1`, [
        last.entry_id,
        newEntryHash,
      ]);
      const [s] = (
        await c.query<{ prev_hash: string; xid_from: string; xid_to: string }>(
          `SELECT prev_hash, xid_from::text, xid_to::text FROM ledger_seals WHERE seal_no = $1`,
          [last.seal_no],
        )
      ).rows;
      const members = await c.query<{ entry_id: string; entry_seq: string; entry_hash: string }>(
        `SELECT entry_id, entry_seq::text, entry_hash FROM ledger_seal_entries
         WHERE seal_no = $1 ORDER BY position`,
        [last.seal_no],
      );
      forgedHash = sealHash({
        sealNo: BigInt(last.seal_no),
        prevHash: s.prev_hash,
        xidFrom: s.xid_from,
        xidTo: s.xid_to,
        members: members.rows.map((m) => ({
          entryId: m.entry_id,
          entrySeq: BigInt(m.entry_seq),
          entryHash: m.entry_hash,
        })),
      });
      await c.query(`UPDATE ledger_seals SET hash = $2 WHERE seal_no = $1`, [
        last.seal_no,
        forgedHash,
      ]);
    });
    report = await integrity.verify();
    expect(report.problems).toEqual([
      {
        kind: 'seal_signature',
        sealNo: last.seal_no,
        message: `seal ${last.seal_no}: signature does not verify (forged or edited)`,
      },
    ]);
    const attacker = new SealKeyring(
      generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    ).sign(forgedHash);
    await tamper(['ledger_seals'], (c) =>
      c
        .query(
          `UPDATE ledger_seals SET signature = $2, key_id = $3, public_key = $4 WHERE seal_no = $1`,
          [last.seal_no, attacker.signature, attacker.keyId, attacker.publicKey],
        )
        .then(() => {}),
    );
    report = await integrity.verify();
    expect(report.problems).toEqual([
      {
        kind: 'seal_signature',
        sealNo: last.seal_no,
        message: `seal ${last.seal_no}: signed by key ${attacker.keyId}, which is not trusted (LEDGER_SEAL_KEY, LEDGER_SEAL_TRUSTED_KEYS)`,
      },
    ]);

    await tamper(['ledger_entries', 'ledger_seal_entries', 'ledger_seals'], async (c) => {
      await c.query(`UPDATE ledger_entries SET reference = $2, hash = $3 WHERE id = $1`, [
        last.entry_id,
        victim.reference,
        victim.hash,
      ]);
      await c.query(`UPDATE ledger_seal_entries SET entry_hash = $2 WHERE entry_id = $1`, [
        last.entry_id,
        victim.hash,
      ]);
      await c.query(
        `UPDATE ledger_seals SET hash = $2, signature = $3, key_id = $4, public_key = $5
         WHERE seal_no = $1`,
        [last.seal_no, last.hash, last.signature, last.key_id, last.public_key],
      );
    });
    expectClean(await integrity.verify());
  }, 60000);

  it('a deleted seal is named', async () => {
    const [seal2] = await owner<Record<string, unknown>>(
      `SELECT * FROM ledger_seals WHERE seal_no = 2`,
    );
    const members = await owner<Record<string, unknown>>(
      `SELECT * FROM ledger_seal_entries WHERE seal_no = 2 ORDER BY position`,
    );
    await tamper(['ledger_seals', 'ledger_seal_entries'], async (c) => {
      await c.query(`DELETE FROM ledger_seal_entries WHERE seal_no = 2`);
      await c.query(`DELETE FROM ledger_seals WHERE seal_no = 2`);
    });
    const report = await integrity.verify();
    expect(report.firstProblem).toMatchObject({
      kind: 'seal_missing',
      sealNo: '3',
      message: 'seal 2 is missing (deleted)',
    });
    // Its entries are now in no seal although sealing has passed them.
    expect(report.problems.filter((p) => p.kind === 'entry_not_sealed')).toHaveLength(
      members.length,
    );
    await tamper([], async (c) => {
      const cols = Object.keys(seal2);
      await c.query(
        `INSERT INTO ledger_seals (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`,
        cols.map((k) => seal2[k]),
      );
      for (const m of members) {
        const mc = Object.keys(m);
        await c.query(
          `INSERT INTO ledger_seal_entries (${mc.join(', ')}) VALUES (${mc.map((_, i) => `$${i + 1}`).join(', ')})`,
          mc.map((k) => m[k]),
        );
      }
    });
    expectClean(await integrity.verify());
  }, 60000);

  it('a chain cut at its tail is caught only against a seal saved off the box (and by replay)', async () => {
    const before = await integrity.verify();
    expectClean(before);
    const anchor = { sealNo: before.lastSeal!.sealNo, hash: before.lastSeal!.hash };
    const saved = await withClient(db.ownerUrl, async (c) => {
      const q = async (sql: string) =>
        (await c.query<Record<string, unknown>>(sql, [anchor.sealNo])).rows;
      return {
        seal: await q(`SELECT * FROM ledger_seals WHERE seal_no = $1`),
        members: await q(`SELECT * FROM ledger_seal_entries WHERE seal_no = $1`),
        entries: await q(
          `SELECT * FROM ledger_entries WHERE id IN
             (SELECT entry_id FROM ledger_seal_entries WHERE seal_no = $1) ORDER BY seq`,
        ),
        lines: await q(
          `SELECT * FROM ledger_lines WHERE entry_id IN
             (SELECT entry_id FROM ledger_seal_entries WHERE seal_no = $1)`,
        ),
      };
    });
    expect(saved.entries.map((e) => e.id)).toEqual(['pay:4']);
    const tables = ['ledger_seal_entries', 'ledger_seals', 'ledger_lines', 'ledger_entries'];
    await tamper(tables, async (c) => {
      await c.query(`DELETE FROM ledger_seal_entries WHERE seal_no = $1`, [anchor.sealNo]);
      await c.query(`DELETE FROM ledger_seals WHERE seal_no = $1`, [anchor.sealNo]);
      await c.query(`DELETE FROM ledger_lines WHERE entry_id = 'pay:4'`);
      await c.query(`DELETE FROM ledger_entries WHERE id = 'pay:4'`);
    });
    // The chain that is left is consistent in itself…
    const cut = await integrity.verify();
    expect(cut.ok).toBe(true);
    expect(cut.lastSeal?.sealNo).toBe(String(Number(anchor.sealNo) - 1));
    // …but not with the seal saved earlier, and the counters still carry the deleted entry.
    expect((await integrity.verify({ anchor })).problems).toEqual([
      {
        kind: 'seal_anchor',
        sealNo: anchor.sealNo,
        message: `seal ${anchor.sealNo}, saved earlier, no longer exists (the chain was cut)`,
      },
    ]);
    expect((await integrity.replay()).mismatches.map((m) => m.code).sort()).toEqual([
      GATEWAY,
      DEALER,
    ]);

    await tamper([], async (c) => {
      const insert = async (table: string, row: Record<string, unknown>) => {
        const cols = Object.keys(row);
        await c.query(
          `INSERT INTO ${table} (${cols.join(', ')}) OVERRIDING SYSTEM VALUE
           VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`,
          cols.map((k) => {
            const v = row[k];
            return v !== null && typeof v === 'object' && !(v instanceof Date)
              ? JSON.stringify(v)
              : v;
          }),
        );
      };
      for (const e of saved.entries) await insert('ledger_entries', e);
      for (const l of saved.lines) await insert('ledger_lines', l);
      for (const s of saved.seal) await insert('ledger_seals', s);
      for (const m of saved.members) await insert('ledger_seal_entries', m);
    });
    expectClean(await integrity.verify({ anchor }));
    expect((await integrity.replay()).ok).toBe(true);
    // A different hash for the same seal: rewritten.
    const rewritten = await integrity.verify({ anchor: { ...anchor, hash: 'f'.repeat(64) } });
    expect(rewritten.firstProblem).toMatchObject({ kind: 'seal_anchor', sealNo: anchor.sealNo });
  }, 60000);

  it('a counter edit on an account is named by replay', async () => {
    await withClient(db.ownerUrl, (c) =>
      c.query(`UPDATE ledger_accounts SET credits_posted = credits_posted + 1 WHERE code = $1`, [
        DEALER,
      ]),
    );
    const report = await integrity.replay();
    expect(report.ok).toBe(false);
    expect(report.mismatchesTotal).toBe(1);
    const [m] = report.mismatches;
    expect(m.code).toBe(DEALER);
    expect(BigInt(m.stored.creditsPosted) - BigInt(m.journal.creditsPosted)).toBe(1n);
    expect(m.stored.debitsPosted).toBe(m.journal.debitsPosted);
    expect(report.totals.balanced).toBe(false);
    // The journal itself is untouched: verify stays clean.
    expectClean(await integrity.verify());
    await withClient(db.ownerUrl, (c) =>
      c.query(`UPDATE ledger_accounts SET credits_posted = credits_posted - 1 WHERE code = $1`, [
        DEALER,
      ]),
    );
    expect((await integrity.replay()).ok).toBe(true);
  }, 60000);

  it('the CLI commands print a readable report and exit 0 clean / 1 naming the first bad entry', async () => {
    const out: string[] = [];
    const log = console.log;
    console.log = (...args: unknown[]) => {
      out.push(args.map(String).join(' '));
    };
    try {
      const anchors = app.moduleRef.get(LedgerAnchorService);
      const verify = new LedgerVerifyCommand(integrity, anchors);
      const replay = new LedgerReplayCommand(integrity);
      const seal = new LedgerSealCommand(integrity, anchors);
      expect(await seal.run([])).toBe(0);
      expect(out.pop()).toMatch(/^nothing to seal$|^signed with key /);
      expect(await verify.run([])).toBe(0);
      expect(out.pop()).toMatch(
        /^ledger intact: 14 entries checked, \d+ seals covering 14 entries/,
      );
      expect(await replay.run([])).toBe(0);
      expect(out.pop()).toMatch(
        /^ledger counters reproduce from the journal: 4 accounts, 14 entries/,
      );
      const last = (await integrity.verify()).lastSeal!;
      expect(await verify.run(['--seal', `${last.sealNo}:${last.hash}`])).toBe(0);
      expect(out.pop()).toContain(`last seal ${last.sealNo}:${last.hash}`);
      expect(await verify.run([`--seal=${last.sealNo}:${'0'.repeat(64)}`])).toBe(1);
      expect(out.pop()).toMatch(
        /^ledger NOT intact: seal \d+ has hash [0-9a-f]{64}, saved earlier as 0{64} \(rewritten\)/,
      );
      const stderr = process.stderr.write.bind(process.stderr);
      let complaint = '';
      process.stderr.write = (chunk: string | Uint8Array) => {
        complaint += String(chunk);
        return true;
      };
      try {
        expect(await verify.run(['--seal', 'latest'])).toBe(2);
      } finally {
        process.stderr.write = stderr;
      }
      expect(complaint).toBe(
        'ledger:verify: --seal must be N:HASH (from ledger:seal or a report)\n',
      );

      await tamper(['ledger_entries'], (c) =>
        c
          .query(`UPDATE ledger_entries SET actor = 'system:tesT' WHERE id = 'rev:2'`)
          .then(() => {}),
      );
      expect(await verify.run([])).toBe(1);
      expect(out.pop()).toMatch(
        /^ledger NOT intact: entry rev:2 \(seq \d+\): content does not match its hash\n1 problem\(s\):\n {2}- \[entry_content\] entry rev:2/,
      );
      expect(await verify.run(['--json'])).toBe(1);
      expect(JSON.parse(out.pop() ?? '')).toMatchObject({
        ok: false,
        firstProblem: { kind: 'entry_content', entryId: 'rev:2' },
      });
      await tamper(['ledger_entries'], (c) =>
        c
          .query(`UPDATE ledger_entries SET actor = 'system:test' WHERE id = 'rev:2'`)
          .then(() => {}),
      );

      await withClient(db.ownerUrl, (c) =>
        c.query(`UPDATE ledger_accounts SET debits_posted = debits_posted + 5 WHERE code = $1`, [
          GATEWAY,
        ]),
      );
      expect(await replay.run([])).toBe(1);
      expect(out.pop()).toMatch(
        /^ledger counters do NOT reproduce: account asset:gateway_receivable \(id \d+\) differs from the journal/,
      );
      await withClient(db.ownerUrl, (c) =>
        c.query(`UPDATE ledger_accounts SET debits_posted = debits_posted - 5 WHERE code = $1`, [
          GATEWAY,
        ]),
      );
      expect(await replay.run(['--json'])).toBe(0);
      expect(JSON.parse(out.pop() ?? '')).toMatchObject({ ok: true, mismatches: [] });
    } finally {
      console.log = log;
    }
  }, 60000);

  it('the CLI registers ledger:verify, ledger:replay and ledger:seal', async () => {
    const cliModule = await Test.createTestingModule({
      imports: [CliModule.forRoot(config)],
    }).compile();
    try {
      const commands = cliModule.get<CliCommand[]>(CLI_COMMANDS);
      const names = commands.map((c) => c.name);
      expect(names).toEqual(
        expect.arrayContaining(['ledger:verify', 'ledger:replay', 'ledger:seal']),
      );
      const verify = commands.find((c) => c.name === 'ledger:verify');
      const log = console.log;
      const out: string[] = [];
      console.log = (...args: unknown[]) => {
        out.push(args.map(String).join(' '));
      };
      try {
        expect(await verify?.run([])).toBe(0);
      } finally {
        console.log = log;
      }
      expect(out.join('\n')).toMatch(/^ledger intact: 14 entries checked/);
    } finally {
      await cliModule.close();
    }
  }, 60000);

  it('concurrent writers racing repeated sealers: every entry ends in exactly one seal', async () => {
    const accounts = Array.from({ length: 4 }, (_, i) => `liability:dealer_payable:c${i}`);
    for (const code of accounts) await ok({ type: 'open_account', code });
    const postings = 200;
    let writing = true;
    const sealsMade: string[] = [];
    const sealers = Array.from({ length: 3 }, async () => {
      while (writing) {
        const s = await integrity.sealPending(25);
        if (s !== null) sealsMade.push(s.sealNo);
        await sleep(3);
      }
    });
    const writers = Array.from({ length: 16 }, async (_, w) => {
      for (let i = w; i < postings; i += 16) {
        const command: LedgerCommand = {
          type: 'post',
          key: `conc:${i}`,
          lines: [
            debit(GATEWAY, BigInt(i + 1)),
            credit(accounts[i % accounts.length], BigInt(i + 1)),
          ],
          meta: meta(`conc:${i}`),
        };
        if (i % 3 === 0) {
          // Keep the transaction open after writing the entry: a sealer must not pass it by.
          await transactions.run(async (tx) => {
            const r = await ledger.executeIn(tx, command);
            expect(r.code).toBe('ok');
            await sleep(5 + (i % 7) * 3);
          });
        } else {
          expect((await ledger.execute(command)).code).toBe('ok');
        }
      }
    });
    await Promise.all(writers);
    writing = false;
    await Promise.all(sealers);
    expect(new Set(sealsMade).size).toBe(sealsMade.length); // no seal number twice
    await sealEverything();

    const [counts] = await owner<{ entries: string; members: string; distinct_members: string }>(
      `SELECT (SELECT count(*) FROM ledger_entries)::text AS entries,
              (SELECT count(*) FROM ledger_seal_entries)::text AS members,
              (SELECT count(DISTINCT entry_id) FROM ledger_seal_entries)::text AS distinct_members`,
    );
    expect(counts).toEqual({
      entries: String(14 + postings),
      members: String(14 + postings),
      distinct_members: String(14 + postings),
    });
    const report = await integrity.verify();
    expectClean(report);
    expect(report).toMatchObject({ sealedEntries: 14 + postings, unsealedEntries: 0 });
    const replay = await integrity.replay();
    expect(replay.ok).toBe(true);
    expect(replay.accountsChecked).toBe(8);
  }, 120000);

  it('a transaction with more entries than the seal limit is sealed whole, and sealing goes on', async () => {
    await sealEverything();
    const before = await owner<{ n: string }>(`SELECT count(*)::text AS n FROM ledger_seals`);
    // One transaction writes 4 entries (a batch), then one more entry in a transaction of its own.
    await ok({
      type: 'batch',
      commands: [1, 2, 3, 4].map((i): LedgerCommand => ({
        type: 'post',
        key: `big:${i}`,
        lines: [debit(GATEWAY, BigInt(i)), credit(DEALER, BigInt(i))],
        meta: meta(`big:${i}`),
      })),
    });
    await ok({
      type: 'post',
      key: 'after-big',
      lines: [debit(GATEWAY, 9n), credit(DEALER, 9n)],
      meta: meta('after-big'),
    });
    const made: number[] = [];
    const deadline = Date.now() + 45_000;
    while (made.reduce((n, e) => n + e, 0) < 5) {
      const seal = await integrity.sealPending(2);
      if (seal !== null) made.push(seal.entries);
      else if (Date.now() > deadline) throw new Error(`sealing stuck after ${made.join(', ')}`);
      else await sleep(100);
    }
    expect(made).toEqual([4, 1]);
    const after = await owner<{ n: string }>(`SELECT count(*)::text AS n FROM ledger_seals`);
    expect(Number(after[0].n) - Number(before[0].n)).toBe(2);
    expectClean(await integrity.verify());
  }, 120_000);
});
