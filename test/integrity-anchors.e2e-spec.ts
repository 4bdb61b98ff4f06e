/**
 * Anchors outside PostgreSQL: the anchor job writes the signed audit head and the newest ledger seal
 * to the anchor store (here the local, write-once directory of development and test); then the
 * tamper drills of a table owner covering their tracks — triggers off, a row edited, every later hash
 * recomputed (for the ledger: seals recomputed and re-signed with the published development key) —
 * pass the database-only check but are reported tampered against the anchor.
 */
import { spawnSync } from 'node:child_process';
import { createPublicKey, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { AnchorJobs } from '../src/ledger/jobs/anchor-jobs.js';
import { AnchorExistsError, anchorKey, LocalAnchorStore } from '../src/anchor/anchor-store.js';
import { AuditAnchorMismatchError } from '../src/audit/audit-anchor.service.js';
import { AuditQueryService, type StoredAuditEvent } from '../src/audit/audit-query.service.js';
import { AuditService } from '../src/audit/audit.service.js';
import { hashAuditEvent } from '../src/audit/domain/audit-chain.js';
import { verifyAuditHead, type SignedAuditHead } from '../src/audit/domain/audit-head.js';
import { projectRoot } from '../src/common/project-root.js';
import {
  type AppConfig,
  DEVELOPMENT_AUDIT_SIGNING_KEY,
  DEVELOPMENT_LEDGER_SEAL_KEY,
} from '../src/config/app-config.js';
import { APP_CONFIG } from '../src/config/config.module.js';
import { TransactionRunner } from '../src/database/transaction.js';
import { sealHash } from '../src/ledger/domain/entry-hash.js';
import { credit, debit } from '../src/ledger/domain/journal.js';
import type { LedgerCommand } from '../src/ledger/domain/ledger-model.js';
import {
  LedgerAnchorMismatchError,
  LedgerAnchorService,
} from '../src/ledger/integrity/ledger-anchor.service.js';
import { LedgerIntegrityService } from '../src/ledger/integrity/ledger-integrity.service.js';
import { SealKeyring } from '../src/ledger/integrity/seal-keys.js';
import { LedgerService } from '../src/ledger/persistence/ledger.service.js';
import { QUIET_ENV, signInAs } from './support/accounts.js';
import { recomputedHash } from './support/ledger.js';
import { withClient } from './support/test-database.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const cliPath = join(projectRoot(), 'dist', 'src', 'cli.js');

function cli(t: TestApp, args: string[]) {
  const r = spawnSync(process.execPath, [cliPath, ...args], {
    env: {
      ...process.env,
      DATABASE_URL: t.db.appUrl,
      DATABASE_OWNER_URL: t.db.ownerUrl,
      LOG_LEVEL: 'warn',
    },
    encoding: 'utf8',
    timeout: 30000,
  });
  return { status: r.status, stdout: r.stdout.trim(), stderr: r.stderr.trim() };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `work` as the schema owner with the append-only triggers of `tables` off, in one transaction. */
async function asOwnerWithoutTriggers(
  t: TestApp,
  tables: string[],
  work: (c: pg.Client) => Promise<void>,
): Promise<void> {
  await withClient(t.db.ownerUrl, async (c) => {
    await c.query('BEGIN');
    for (const table of tables) await c.query(`ALTER TABLE ${table} DISABLE TRIGGER USER`);
    await work(c);
    for (const table of tables) await c.query(`ALTER TABLE ${table} ENABLE TRIGGER USER`);
    await c.query('COMMIT');
  });
}

describe('integrity anchors', () => {
  let t: TestApp;
  let dir: string;
  let jobs: AnchorJobs;
  let anchoredAudit: string;
  let anchoredLedger: string;

  beforeAll(async () => {
    t = await startTestApp({ env: QUIET_ENV });
    const anchors = t.app.get<AppConfig>(APP_CONFIG).anchors;
    if (anchors.driver !== 'local') throw new Error('expected the local anchor store in test');
    dir = anchors.localDir;
    // The default: a directory of this test database's own, which the CLI finds too.
    expect(dir).toBe(
      join(projectRoot(), '.local', 'anchors', new URL(t.db.appUrl).pathname.slice(1)),
    );
    jobs = t.app.get(AnchorJobs);

    const audit = t.app.get(AuditService);
    const transactions = t.app.get(TransactionRunner);
    for (const reason of ['documents ok', 'fraud', 'duplicate', 'documents ok', 'appeal'])
      await transactions.run((tx) =>
        audit.record(tx, null, { action: 'user.approve', targetId: randomUUID(), reason }),
      );

    const ledger = t.app.get(LedgerService);
    const ok = async (command: LedgerCommand) =>
      expect((await ledger.execute(command)).code).toBe('ok');
    for (const code of ['asset:gateway_receivable', 'liability:dealer_payable:anchor'])
      await ok({ type: 'open_account', code });
    for (const n of [1, 2, 3])
      await ok({
        type: 'post',
        key: `anchor-test:${n}`,
        lines: [
          debit('asset:gateway_receivable', 1_000n * BigInt(n)),
          credit('liability:dealer_payable:anchor', 1_000n * BigInt(n)),
        ],
        meta: { eventType: 'test', reference: `order:anchor-${n}`, actor: 'system:test' },
      });
    // Sealing waits for the oldest transaction on the cluster (other test files share it).
    const integrity = t.app.get(LedgerIntegrityService);
    const deadline = Date.now() + 45_000;
    while ((await integrity.verify()).unsealedEntries > 0) {
      if (Date.now() > deadline) throw new Error('entries still unsealed');
      await integrity.sealAll();
      await sleep(100);
    }
  }, 90_000);

  afterAll(async () => {
    await t?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('the anchor job writes the signed audit head and the newest seal, once', async () => {
    expect(await readdir(dir).catch(() => [])).toEqual([]);
    // Before any anchor: intact, and said to be not anchored yet.
    const head = await t.app.get(AuditQueryService).head();
    expect(head.count).toBeGreaterThanOrEqual(5);
    const before = cli(t, ['audit:verify']);
    expect(before.stdout).toBe(
      `audit chain intact: ${head.count} events, head ${head.hash}; not anchored yet`,
    );

    const written = await jobs.anchor();
    expect(written).toEqual({
      audit: anchorKey('audit', BigInt(head.count)),
      ledger: expect.any(String),
    });
    anchoredAudit = written.audit!;
    anchoredLedger = written.ledger!;

    const signed = JSON.parse(await readFile(join(dir, anchoredAudit), 'utf8')) as SignedAuditHead;
    expect(signed).toMatchObject({ count: head.count, hash: head.hash, algorithm: 'Ed25519' });
    const publicPem = createPublicKey(DEVELOPMENT_AUDIT_SIGNING_KEY)
      .export({ type: 'spki', format: 'pem' })
      .toString();
    expect(verifyAuditHead(signed, publicPem)).toBe(true);
    expect((await stat(join(dir, anchoredAudit))).mode & 0o222).toBe(0); // read-only

    const last = (await t.app.get(LedgerIntegrityService).verify()).lastSeal!;
    expect(anchoredLedger).toBe(anchorKey('ledger', BigInt(last.sealNo)));
    expect(JSON.parse(await readFile(join(dir, anchoredLedger), 'utf8'))).toMatchObject({
      type: 'fixbazaar.ledger-anchor.v1',
      sealNo: last.sealNo,
      hash: last.hash,
      keyId: last.keyId,
    });

    // Nothing new: nothing written.
    expect(await jobs.anchor()).toEqual({ audit: null, ledger: null });
    expect(await readdir(join(dir, 'audit'))).toEqual([anchoredAudit.slice('audit/'.length)]);

    const verified = cli(t, ['audit:verify']);
    expect(verified.status).toBe(0);
    expect(verified.stdout).toBe(
      `audit chain intact: ${head.count} events, head ${head.hash}; holds anchor ${anchoredAudit} ` +
        `(seq ${head.count}, hash ${head.hash}, anchored ${signed.at})`,
    );
    const ledgerVerified = cli(t, ['ledger:verify']);
    expect(ledgerVerified.status).toBe(0);
    expect(ledgerVerified.stdout).toMatch(
      new RegExp(`^ledger intact: .*; checked against anchor ${anchoredLedger}$`),
    );
  }, 120_000); // spawns the CLI (a Nest start each) several times

  it('the local anchor store refuses to overwrite an anchor', async () => {
    const store = new LocalAnchorStore(await mkdtemp(join(tmpdir(), 'fixbazaar-anchors-')));
    try {
      const key = anchorKey('audit', 7n);
      await store.write(key, { count: 7 });
      await expect(store.write(key, { count: 7, forged: true })).rejects.toEqual(
        new AnchorExistsError(key),
      );
      expect(await store.latest('audit')).toEqual({ key, doc: { count: 7 } });
      // The newest (highest position) is listed first.
      await store.write(anchorKey('audit', 12n), { count: 12 });
      await store.write(anchorKey('audit', 9n), { count: 9 });
      expect((await store.latest('audit'))?.doc).toEqual({ count: 12 });
      expect(await store.latest('ledger')).toBeNull();
    } finally {
      await rm(store.dir, { recursive: true, force: true });
    }
  });

  it('tamper drill: an audit event edited and every later hash recomputed is reported against the anchor', async () => {
    const events = t.app.get(AuditQueryService);
    const { count } = await events.head();
    const all: StoredAuditEvent[] = [];
    for await (const batch of events.batches({}, { untilSeq: count })) all.push(...batch);
    const edited = all[all.length - 4]!; // an event with 3 after it
    await asOwnerWithoutTriggers(t, ['audit_events'], async (c) => {
      let prevHash = edited.prevHash;
      for (const { hash: _old, ...event } of all.slice(all.length - 4)) {
        const rewritten = {
          ...event,
          reason: event.seq === edited.seq ? 'documents ok' : event.reason,
          prevHash,
        };
        const hash = hashAuditEvent(rewritten);
        await c.query(
          'UPDATE audit_events SET reason = $2, prev_hash = $3, hash = $4 WHERE seq = $1',
          [event.seq, rewritten.reason, rewritten.prevHash, hash],
        );
        prevHash = hash;
      }
    });

    // The database alone cannot tell: the rewritten chain is consistent.
    const skipped = cli(t, ['audit:verify', '--no-anchor']);
    expect(skipped.status).toBe(0);
    expect(skipped.stdout).toMatch(new RegExp(`^audit chain intact: ${count} events`));
    expect(skipped.stderr).toMatch(
      /^audit:verify: WARNING: --no-anchor: not checked against the anchors/,
    );

    const r = cli(t, ['audit:verify']);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(
      new RegExp(
        `^audit chain TAMPERED: does not hold anchor ${anchoredAudit} \\(seq ${count}, hash [0-9a-f]{64}, anchored [^)]+\\): ` +
          `at seq ${count} \\(event ${all.at(-1)!.id}\\): head_mismatch: `,
      ),
    );
    const json = JSON.parse(cli(t, ['audit:verify', '--json']).stdout) as Record<string, unknown>;
    expect(json).toMatchObject({
      intact: false,
      firstBad: { seq: count, problem: 'head_mismatch' },
      anchor: { key: anchoredAudit, count },
    });
    // The same over HTTP, and the job refuses to anchor the rewritten chain.
    const compliance = await signInAs(t, 'compliance');
    const res = await fetch(`${t.baseUrl}/audit/verify`, { headers: compliance.headers });
    expect(await res.json()).toMatchObject({
      intact: false,
      firstBad: { seq: count, problem: 'head_mismatch' },
      anchor: { key: anchoredAudit },
    });
    await expect(jobs.anchor()).rejects.toThrow(AuditAnchorMismatchError);
  }, 120_000); // spawns the CLI (a Nest start each) several times

  it('tamper drill: a ledger entry rewritten with its seal recomputed and re-signed is reported against the anchor', async () => {
    const [last] = await withClient(
      t.db.ownerUrl,
      async (c) =>
        (
          await c.query<{ seal_no: string; entry_id: string }>(
            `SELECT m.seal_no::text, m.entry_id FROM ledger_seal_entries m
           ORDER BY m.seal_no DESC, m.position LIMIT 1`,
          )
        ).rows,
    );
    const keyring = new SealKeyring(DEVELOPMENT_LEDGER_SEAL_KEY);
    await asOwnerWithoutTriggers(
      t,
      ['ledger_entries', 'ledger_seal_entries', 'ledger_seals'],
      async (c) => {
        await c.query(`UPDATE ledger_entries SET reference = 'order:elsewhere' WHERE id = $1`, [
          last!.entry_id,
        ]);
        const entryHash = await recomputedHash(c, last!.entry_id);
        await c.query(`UPDATE ledger_entries SET hash = $2 WHERE id = $1`, [
          last!.entry_id,
          entryHash,
        ]);
        await c.query(`UPDATE ledger_seal_entries SET entry_hash = $2 WHERE entry_id = $1`, [
          last!.entry_id,
          entryHash,
        ]);
        const [s] = (
          await c.query<{ prev_hash: string; xid_from: string; xid_to: string }>(
            `SELECT prev_hash, xid_from::text, xid_to::text FROM ledger_seals WHERE seal_no = $1`,
            [last!.seal_no],
          )
        ).rows;
        const members = await c.query<{ entry_id: string; entry_seq: string; entry_hash: string }>(
          `SELECT entry_id, entry_seq::text, entry_hash FROM ledger_seal_entries
           WHERE seal_no = $1 ORDER BY position`,
          [last!.seal_no],
        );
        const hash = sealHash({
          sealNo: BigInt(last!.seal_no),
          prevHash: s!.prev_hash,
          xidFrom: s!.xid_from,
          xidTo: s!.xid_to,
          members: members.rows.map((m) => ({
            entryId: m.entry_id,
            entrySeq: BigInt(m.entry_seq),
            entryHash: m.entry_hash,
          })),
        });
        await c.query(`UPDATE ledger_seals SET hash = $2, signature = $3 WHERE seal_no = $1`, [
          last!.seal_no,
          hash,
          keyring.sign(hash).signature,
        ]);
      },
    );

    const skipped = cli(t, ['ledger:verify', '--no-anchor']);
    expect(skipped.status).toBe(0);
    expect(skipped.stdout).toMatch(/^ledger intact: /);
    expect(skipped.stderr).toMatch(/^ledger:verify: WARNING: --no-anchor/);

    const r = cli(t, ['ledger:verify']);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(
      new RegExp(
        `^ledger TAMPERED: does not hold anchor ${anchoredLedger}: seal ${last!.seal_no} has hash [0-9a-f]{64}, ` +
          `saved earlier as [0-9a-f]{64} \\(rewritten\\)`,
      ),
    );
    await expect(t.app.get(LedgerAnchorService).anchor()).rejects.toThrow(
      LedgerAnchorMismatchError,
    );
  }, 120_000); // spawns the CLI (a Nest start each) several times
});
