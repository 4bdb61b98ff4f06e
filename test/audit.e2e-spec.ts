import { spawnSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type pg from 'pg';
import type { Role } from '../src/common/roles.js';
import { AUDIT_CSV_COLUMNS } from '../src/audit/audit-export.js';
import { AuditQueryService, type StoredAuditEvent } from '../src/audit/audit-query.service.js';
import { AuditService, type AuditInput } from '../src/audit/audit.service.js';
import { AuditChainVerifier } from '../src/audit/domain/audit-chain.js';
import { canonicalIp } from '../src/audit/domain/canonical-ip.js';
import { verifyAuditHead, type SignedAuditHead } from '../src/audit/domain/audit-head.js';
import type { RequestMeta } from '../src/common/request-meta.js';
import { projectRoot } from '../src/common/project-root.js';
import { DEVELOPMENT_AUDIT_SIGNING_KEY } from '../src/config/app-config.js';
import { TransactionRunner } from '../src/database/transaction.js';
import { signInAs, type SignedIn } from './support/accounts.js';
import { withClient } from './support/test-database.js';
import { parseCsv } from './support/csv.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/** Limits high enough that this file's sign-ins and refusals from 127.0.0.1 are never throttled or blocked. */
const QUIET_ENV = {
  RATE_LIMIT_POLICY: JSON.stringify({
    anonymous: {
      auth: { perMinute: 100000, burst: 100000 },
      default: { perMinute: 100000, burst: 100000 },
    },
    perIp: { perMinute: 100000, burst: 100000 },
  }),
  ABUSE_PENALTY_THRESHOLD: '100000',
  ARGON2_MEMORY_KIB: '8192',
  ARGON2_TIME_COST: '1',
};

/** The built CLI (`pretest` builds dist/), run against this file's database as the app role. */
const cliPath = join(projectRoot(), 'dist', 'src', 'cli.js');

function cli(t: TestApp, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [cliPath, ...args], {
    env: {
      ...process.env,
      DATABASE_URL: t.db.appUrl,
      DATABASE_OWNER_URL: t.db.ownerUrl,
      LOG_LEVEL: 'warn',
      ...env,
    },
    encoding: 'utf8',
    timeout: 30000,
  });
  return { status: r.status, stdout: r.stdout.trim(), stderr: r.stderr.trim() };
}

async function sqlstateOf(client: pg.Client, sql: string): Promise<string | undefined> {
  try {
    await client.query(sql);
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
}

const systemMeta: RequestMeta = {
  requestId: 'req-test',
  ip: '203.0.113.7',
  deviceFingerprint: 'f'.repeat(64),
  userAgent: null,
  principal: null,
};

describe('audit log', () => {
  let t: TestApp;
  let audit: AuditService;
  let transactions: TransactionRunner;
  let events: AuditQueryService;

  beforeAll(async () => {
    // Enough connections for the concurrency test to hold 20 transactions at once.
    t = await startTestApp({ env: { ...QUIET_ENV, DATABASE_POOL_MAX: '24' } });
    audit = t.app.get(AuditService);
    transactions = t.app.get(TransactionRunner);
    events = t.app.get(AuditQueryService);
  });
  afterAll(async () => {
    await t?.close();
  });

  const asOwner = <T>(fn: (c: pg.Client) => Promise<T>) => withClient(t.db.ownerUrl, fn);
  const record = (input: AuditInput, meta: RequestMeta | null = systemMeta) =>
    transactions.run((tx) => audit.record(tx, meta, input));

  describe('append-only, enforced by the database', () => {
    beforeAll(async () => {
      await record({ action: 'test.append-only', reason: 'a row to try to change' });
      await asOwner(async (c) => {
        const {
          rows: [user],
        } = await c.query<{ id: string }>(
          `INSERT INTO users (role, status, email, password_hash, display_name)
           VALUES ('customer', 'approved', 'append-only@example.test', 'x', 'Append Only') RETURNING id`,
        );
        await c.query(
          `INSERT INTO account_status_history (user_id, from_status, to_status, reason)
           VALUES ($1, NULL, 'approved', 'test')`,
          [user.id],
        );
      });
    });

    it.each(['audit_events', 'account_status_history'])(
      'the app role may not UPDATE, DELETE or TRUNCATE %s (42501)',
      async (table) => {
        await withClient(t.db.appUrl, async (c) => {
          expect(await sqlstateOf(c, `UPDATE ${table} SET reason = 'rewritten'`)).toBe('42501');
          expect(await sqlstateOf(c, `DELETE FROM ${table}`)).toBe('42501');
          expect(await sqlstateOf(c, `TRUNCATE ${table}`)).toBe('42501');
          // It may still append and read.
          const { rows } = await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
          expect(Number(rows[0].n)).toBeGreaterThan(0);
        });
      },
    );

    it.each(['audit_events', 'account_status_history'])(
      'the owner is stopped by the trigger on %s (23001)',
      async (table) => {
        await asOwner(async (c) => {
          expect(await sqlstateOf(c, `UPDATE ${table} SET reason = 'rewritten'`)).toBe('23001');
          expect(await sqlstateOf(c, `DELETE FROM ${table}`)).toBe('23001');
          expect(await sqlstateOf(c, `TRUNCATE ${table}`)).toBe('23001');
          await expect(c.query(`DELETE FROM ${table}`)).rejects.toThrow(
            `table ${table} is append-only: DELETE is not allowed`,
          );
          const { rows } = await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
          expect(Number(rows[0].n)).toBeGreaterThan(0);
        });
      },
    );
  });

  describe('hash chain', () => {
    /** The events as recorded, by seq, to compare with what the CLI names. */
    const recorded = new Map<number, { id: string; hash: string }>();
    let head: { count: number; hash: string };

    beforeAll(async () => {
      const inputs: AuditInput[] = [
        { action: 'user.approve', targetType: 'user', targetId: 'u-1', reason: 'KYC verified' },
        {
          action: 'user.suspend',
          targetType: 'user',
          targetId: 'u-2',
          reason: 'Überprüfung läuft — ₹10,000 "disputed"',
          before: { status: 'approved', nested: { z: 1, a: [1, 2.5, null, 'x'] } },
          after: { status: 'suspended' },
        },
        {
          action: 'user.block',
          targetType: 'user',
          targetId: 'u-3',
          reason: 'fraud',
          override: true,
        },
        { action: 'settings.change', after: { limit: 60, enabled: true, list: [] } },
        { action: 'user.approve', targetType: 'user', targetId: 'u-4', reason: 'documents ok' },
        { action: 'user.approve', targetType: 'user', targetId: 'u-5', reason: 'documents ok' },
      ];
      for (const input of inputs) {
        const e = await record(input);
        recorded.set(e.seq, { id: e.id, hash: e.hash });
      }
      head = await events.head();
      // A pristine copy, restored after each tamper.
      await asOwner((c) => c.query('CREATE TABLE audit_backup AS SELECT * FROM audit_events'));
    });

    /** Applies `sql` as the owner with the append-only triggers off, runs `check`, then restores the chain. */
    async function tampered(sql: string, check: () => void | Promise<void>): Promise<void> {
      await asOwner(async (c) => {
        await c.query('ALTER TABLE audit_events DISABLE TRIGGER USER');
        try {
          await c.query(sql);
        } finally {
          await c.query('ALTER TABLE audit_events ENABLE TRIGGER USER');
        }
      });
      try {
        await check();
      } finally {
        await asOwner(async (c) => {
          await c.query('BEGIN');
          await c.query('ALTER TABLE audit_events DISABLE TRIGGER USER');
          await c.query('DELETE FROM audit_events');
          await c.query('INSERT INTO audit_events SELECT * FROM audit_backup');
          await c.query('ALTER TABLE audit_events ENABLE TRIGGER USER');
          await c.query('COMMIT');
        });
      }
    }

    it('audit:verify passes an intact chain (exit 0) and prints its head', () => {
      expect(head.count).toBe(recorded.size + 1); // + the append-only test's event
      const r = cli(t, ['audit:verify']);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(
        `audit chain intact: ${head.count} events, head ${head.hash}; not anchored yet`,
      );
    });

    it('names the event whose content changed by one byte (hash_mismatch)', async () => {
      const [seq] = [...recorded.keys()].slice(2, 3); // a middle event
      await tampered(
        `UPDATE audit_events SET reason = overlay(reason placing 'X' from 1 for 1) WHERE seq = ${seq}`,
        () => {
          const r = cli(t, ['audit:verify']);
          expect(r.status).toBe(1);
          expect(r.stdout).toMatch(
            new RegExp(
              `^audit chain broken at seq ${seq} \\(event ${recorded.get(seq)!.id}\\): hash_mismatch`,
            ),
          );
        },
      );
    });

    it('names an event whose JSON summary or timestamp changed', async () => {
      const seq = [...recorded.keys()][1];
      await tampered(
        `UPDATE audit_events SET before = jsonb_set(before, '{status}', '"pending"') WHERE seq = ${seq}`,
        async () => {
          expect(await events.verify()).toMatchObject({
            intact: false,
            firstBad: { seq, problem: 'hash_mismatch' },
          });
        },
      );
      await tampered(
        `UPDATE audit_events SET occurred_at = occurred_at + interval '1 microsecond' WHERE seq = ${seq}`,
        async () => {
          expect(await events.verify()).toMatchObject({
            intact: false,
            firstBad: { seq, problem: 'hash_mismatch' },
          });
        },
      );
    });

    it('names the event after a deleted row (seq_gap)', async () => {
      const seq = [...recorded.keys()][2];
      await tampered(`DELETE FROM audit_events WHERE seq = ${seq}`, () => {
        const r = cli(t, ['audit:verify', '--json']);
        expect(r.status).toBe(1);
        expect(JSON.parse(r.stdout)).toMatchObject({
          intact: false,
          count: seq - 1,
          firstBad: {
            seq: seq + 1,
            eventId: recorded.get(seq + 1)!.id,
            problem: 'seq_gap',
            expectedSeq: seq,
          },
        });
      });
    });

    it('names the first of two reordered rows (prev_hash_mismatch)', async () => {
      const seq = [...recorded.keys()][1];
      // Swap the seq values of two neighbours (through a free value: the primary key is checked per row).
      await tampered(
        `UPDATE audit_events SET seq = 999999 WHERE seq = ${seq};
         UPDATE audit_events SET seq = ${seq} WHERE seq = ${seq + 1};
         UPDATE audit_events SET seq = ${seq + 1} WHERE seq = 999999`,
        () => {
          const r = cli(t, ['audit:verify']);
          expect(r.status).toBe(1);
          // The event now at `seq` is the one recorded at seq + 1.
          expect(r.stdout).toMatch(
            new RegExp(
              `^audit chain broken at seq ${seq} \\(event ${recorded.get(seq + 1)!.id}\\): prev_hash_mismatch`,
            ),
          );
        },
      );
    });

    it('a saved head catches what the chain alone cannot: events cut from the end', async () => {
      expect(await events.verify(head)).toMatchObject({ intact: true, count: head.count });
      await tampered(`DELETE FROM audit_events WHERE seq = ${head.count}`, async () => {
        // A shorter chain is still a chain...
        expect(await events.verify()).toMatchObject({ intact: true, count: head.count - 1 });
        // ...but not the one whose head was saved.
        const r = cli(t, ['audit:verify', '--head', `${head.count}:${head.hash}`]);
        expect(r.status).toBe(1);
        expect(r.stdout).toMatch(
          new RegExp(`^audit chain broken at seq ${head.count} \\(no event\\): truncated`),
        );
      });
      expect(await events.verify({ count: head.count, hash: '0'.repeat(64) })).toMatchObject({
        intact: false,
        firstBad: { seq: head.count, problem: 'head_mismatch' },
      });
      // Restored by `tampered`.
      expect(await events.verify(head)).toMatchObject({ intact: true, count: head.count });
    });

    it('audit:head prints the head, and signs it (after verifying) with AUDIT_SIGNING_KEY', () => {
      const plain = cli(t, ['audit:head']);
      expect(plain.status).toBe(0);
      expect(JSON.parse(plain.stdout)).toMatchObject({ count: head.count, hash: head.hash });

      // Without a key (outside production): the published development key.
      const development = cli(t, ['audit:head', '--sign']);
      expect(development.status).toBe(0);
      expect(
        verifyAuditHead(
          JSON.parse(development.stdout) as SignedAuditHead,
          createPublicKey(DEVELOPMENT_AUDIT_SIGNING_KEY)
            .export({ type: 'spki', format: 'pem' })
            .toString(),
        ),
      ).toBe(true);

      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      const signed = cli(t, ['audit:head', '--sign'], {
        AUDIT_SIGNING_KEY: pem.trim().replace(/\n/g, '\\n'), // one line, as in a .env file
      });
      expect(signed.stderr).toBe('');
      expect(signed.status).toBe(0);
      const out = JSON.parse(signed.stdout) as SignedAuditHead;
      expect(out).toMatchObject({ count: head.count, hash: head.hash, algorithm: 'Ed25519' });
      const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
      expect(out.publicKey).toBe(publicPem);
      // What an auditor does off the box, with the public key they kept:
      expect(
        verify(null, Buffer.from(out.message), publicKey, Buffer.from(out.signature, 'base64')),
      ).toBe(true);
      expect(verifyAuditHead(out, publicPem)).toBe(true);
      expect(verifyAuditHead({ ...out, count: out.count + 1 }, publicPem)).toBe(false);
    });
  });

  it('canonicalIp writes addresses the way PostgreSQL reads them back, so they hash the same', async () => {
    const forms = [
      '127.0.0.1',
      '2001:DB8::1',
      '2001:db8:0:0:1:0:0:1',
      '2001:0db8:0000:0000:0000:ff00:0042:8329',
      '::FFFF:1.2.3.4',
      '::1',
      '0:0:0:0:0:0:0:0',
      '1:0:0:0:0:0:0:8',
      '2001:db8:0:1:1:1:1:1',
    ];
    const { rows } = await withClient(t.db.appUrl, (c) =>
      c.query<{ ip: string }>('SELECT unnest($1::inet[]) AS ip', [forms]),
    );
    expect(forms.map(canonicalIp)).toEqual(rows.map((r) => r.ip));
  });

  describe('transactions', () => {
    it('an event recorded in a transaction that rolls back leaves nothing, and the chain continues', async () => {
      const before = await events.head();
      await expect(
        transactions.run(async (tx) => {
          await audit.record(tx, systemMeta, { action: 'test.rolled-back' });
          throw new Error('the action failed');
        }),
      ).rejects.toThrow('the action failed');
      expect(await events.head()).toEqual(before);
      const next = await record({ action: 'test.after-rollback' });
      expect(next.seq).toBe(before.count + 1);
      expect(next.prevHash).toBe(before.hash);
      expect(await events.verify()).toMatchObject({ intact: true, count: before.count + 1 });
    });

    it('refuses to append in a snapshot transaction (its head would be stale), naming the action', async () => {
      const before = await events.head();
      await expect(
        transactions.run(
          (tx) => audit.record(tx, systemMeta, { action: 'test.in-snapshot' }),
          'REPEATABLE READ',
        ),
      ).rejects.toThrow(
        'audit events are appended in READ COMMITTED transactions, not repeatable read: record test.in-snapshot',
      );
      expect(await events.head()).toEqual(before);
    });

    it('20 concurrent writers in separate transactions make 20 chained events', async () => {
      const before = await events.head();
      const written = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          record({ action: 'test.concurrent', targetType: 'writer', targetId: String(i) }),
        ),
      );
      expect(new Set(written.map((e) => e.seq)).size).toBe(20);
      expect(Math.min(...written.map((e) => e.seq))).toBe(before.count + 1);
      expect(Math.max(...written.map((e) => e.seq))).toBe(before.count + 20);
      expect(await events.verify()).toMatchObject({
        intact: true,
        count: before.count + 20,
        head: { hash: written.find((e) => e.seq === before.count + 20)!.hash },
      });
      expect(cli(t, ['audit:verify']).status).toBe(0);
    });
  });

  describe('over HTTP', () => {
    const as: Partial<Record<Role, SignedIn>> = {};
    /** Events recorded for the search tests, oldest first. */
    const seeded: StoredAuditEvent[] = [];

    beforeAll(async () => {
      for (const role of ['compliance', 'admin', 'ops_leader', 'customer'] as const)
        as[role] = await signInAs(t, role);
      const admin = as.admin!;
      const adminMeta: RequestMeta = {
        ...systemMeta,
        principal: {
          userId: admin.userId,
          sessionId: admin.sessionId,
          role: 'admin',
          status: 'approved',
          technicianKind: null,
        },
      };
      for (let i = 0; i < 5; i++) {
        seeded.push(
          await record(
            {
              action: 'search.test',
              targetType: 'user',
              targetId: `target-${i % 2}`,
              reason: `seeded ${i}`,
            },
            adminMeta,
          ),
        );
        await new Promise((r) => setTimeout(r, 5)); // distinct timestamps for the date-range test
      }
      // Content a CSV export must escape.
      await record({
        action: 'csv.test',
        targetType: 'user',
        targetId: 'a,b',
        reason: 'said "no",\nthen =HYPERLINK("http://evil.example","click")',
        before: { note: '-1+1', list: [1, 'two'] },
        after: { note: '@SUM(A1)' },
      });
    });

    async function get(path: string, who?: SignedIn): Promise<Response> {
      return fetch(`${t.baseUrl}${path}`, { headers: who ? who.headers : {} });
    }
    async function json<T>(path: string, who?: SignedIn): Promise<{ status: number; body: T }> {
      const res = await get(path, who);
      return { status: res.status, body: (await res.json()) as T };
    }
    type PageBody = { items: StoredAuditEvent[]; nextCursor?: string };

    it('who may do what: anonymous 401, customer 403, admin and ops_leader read, only compliance exports', async () => {
      const read = ['/audit/events', '/audit/head', '/audit/verify'];
      const exportPath = '/audit/events/export?format=jsonl&action=none';
      for (const path of [...read, exportPath]) {
        expect((await get(path)).status).toBe(401);
        expect((await get(path, as.customer)).status).toBe(403);
      }
      for (const path of read) {
        expect((await get(path, as.admin)).status).toBe(200);
        expect((await get(path, as.ops_leader)).status).toBe(200);
        expect((await get(path, as.compliance)).status).toBe(200);
      }
      const refused = await json<{ code: string }>(exportPath, as.admin);
      expect(refused).toMatchObject({ status: 403, body: { code: 'auth/forbidden' } });
      expect((await get(exportPath, as.ops_leader)).status).toBe(403);
      expect((await get(exportPath, as.compliance)).status).toBe(200);
    });

    it('searches by actor, action, target and date range, newest first, page by page', async () => {
      const admin = as.admin!;
      const all = await json<PageBody>(`/audit/events?actorId=${admin.userId}`, as.compliance);
      expect(all.status).toBe(200);
      expect(all.body.items.map((e) => e.seq)).toEqual(seeded.map((e) => e.seq).reverse());
      expect(all.body.nextCursor).toBeUndefined();
      expect(all.body.items[0]).toEqual({ ...seeded[4] });

      // Two per page: 2 + 2 + 1, nothing repeated or skipped.
      const seen: number[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await json<PageBody>(
          `/audit/events?action=search.test&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
          as.admin,
        );
        seen.push(...page.body.items.map((e) => e.seq));
        cursor = page.body.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual(seeded.map((e) => e.seq).reverse());

      const target = await json<PageBody>(
        '/audit/events?targetType=user&targetId=target-1',
        as.ops_leader,
      );
      expect(target.body.items.map((e) => e.reason)).toEqual(['seeded 3', 'seeded 1']);

      // `from` inclusive, `to` exclusive.
      const range = await json<PageBody>(
        `/audit/events?action=search.test&from=${seeded[1].occurredAt}&to=${seeded[3].occurredAt}`,
        as.compliance,
      );
      expect(range.body.items.map((e) => e.seq)).toEqual([seeded[2].seq, seeded[1].seq]);
    });

    it('names each invalid search criterion', async () => {
      const bad = await json<{ code: string; errors: { field: string; in: string }[] }>(
        '/audit/events?actorId=nope&from=yesterday&limit=500&cursor=xyz',
        as.compliance,
      );
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe('request/validation-failed');
      expect(bad.body.errors.map((e) => e.field).sort()).toEqual(['actorId', 'from', 'limit']);
      const cursor = await json<{ errors: { field: string }[] }>(
        '/audit/events?cursor=xyz',
        as.compliance,
      );
      expect(cursor.status).toBe(400);
      expect(cursor.body.errors[0].field).toBe('cursor');
      const format = await json<{ errors: { field: string }[] }>(
        '/audit/events/export?format=xlsx',
        as.compliance,
      );
      expect(format.status).toBe(400);
      expect(format.body.errors[0].field).toBe('format');
    });

    it('compliance exports CSV: RFC 4180, formulas neutralised, and the export is audited', async () => {
      const res = await get(
        '/audit/events/export?format=csv&action=csv.test&reason=case%20AB-12',
        as.compliance,
      );
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(res.headers.get('content-disposition')).toMatch(
        /^attachment; filename="audit-events-\d{8}T\d{6}Z\.csv"$/,
      );
      const rows = parseCsv(await res.text());
      expect(rows[0]).toEqual([...AUDIT_CSV_COLUMNS]);
      expect(rows).toHaveLength(2);
      const row = Object.fromEntries(AUDIT_CSV_COLUMNS.map((c, i) => [c, rows[1][i]]));
      expect(row).toMatchObject({
        action: 'csv.test',
        target_id: 'a,b',
        reason: 'said "no",\nthen =HYPERLINK("http://evil.example","click")',
        before: '{"list":[1,"two"],"note":"-1+1"}',
        after: '{"note":"@SUM(A1)"}', // starts with `{`: left alone
        override: 'false',
        ip: '203.0.113.7',
      });
      expect(row.hash).toMatch(/^[0-9a-f]{64}$/);

      const [exported] = (
        await json<PageBody>('/audit/events?action=audit.export&limit=1', as.compliance)
      ).body.items;
      expect(exported).toMatchObject({
        actorId: as.compliance!.userId,
        actorRole: 'compliance',
        targetType: 'audit_events',
        reason: 'case AB-12',
        after: { format: 'csv', filters: { action: 'csv.test' } },
      });
    });

    it('CSV cells that start like a formula get a leading quote', async () => {
      await record({ action: 'csv.formula', reason: '=1+1', targetId: '@cmd', targetType: '+x' });
      const rows = parseCsv(
        await (
          await get('/audit/events/export?format=csv&action=csv.formula', as.compliance)
        ).text(),
      );
      const row = Object.fromEntries(AUDIT_CSV_COLUMNS.map((c, i) => [c, rows[1][i]]));
      expect(row).toMatchObject({ reason: "'=1+1", target_id: "'@cmd", target_type: "'+x" });
    });

    it('compliance exports JSON Lines that re-verify off the box, ending with the export itself', async () => {
      const { count } = await events.head();
      const res = await get('/audit/events/export?format=jsonl', as.compliance);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
      const text = await res.text();
      expect(text.endsWith('\n')).toBe(true);
      const lines = text
        .slice(0, -1)
        .split('\n')
        .map((l) => JSON.parse(l) as StoredAuditEvent);
      expect(lines).toHaveLength(count + 1);
      const verifier = new AuditChainVerifier();
      for (const { hash, ...event } of lines) expect(verifier.next(event, hash)).toBeUndefined();
      expect(lines[lines.length - 1]).toMatchObject({
        seq: count + 1,
        action: 'audit.export',
        actorId: as.compliance!.userId,
        after: { format: 'jsonl', filters: {} },
      });
    });

    it('head and verify agree with the chain; the head is signed (development key), not anchored yet', async () => {
      const head = await events.head();
      const res = await json<Record<string, unknown>>('/audit/head', as.admin);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ count: head.count, hash: head.hash, algorithm: 'Ed25519' });
      const verified = await json<Record<string, unknown>>('/audit/verify', as.compliance);
      expect(verified.body).toEqual({ intact: true, count: head.count, head, anchor: null });
    });
  });
});

/**
 * Export of 200k events (~130 MB of JSON Lines): about 10 s on an idle 2-CPU machine; the timeouts leave
 * room for a machine shared with other test files.
 */
describe('audit export at scale, and signed heads', () => {
  const EVENTS = 200_000;
  const keys = generateKeyPairSync('ed25519');
  let t: TestApp;
  let compliance: SignedIn;

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        ...QUIET_ENV,
        AUDIT_SIGNING_KEY: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      },
    });
    compliance = await signInAs(t, 'compliance');
    // Bulk events straight into the table (hashes are well-formed but do not chain: export does not care).
    await withClient(t.db.ownerUrl, (c) =>
      c.query(
        `INSERT INTO audit_events (seq, id, occurred_at, actor_id, actor_role, action, target_type, target_id,
           reason, before, after, override, request_id, ip, device_fingerprint, prev_hash, hash)
         SELECT i, gen_random_uuid(), now() - interval '1 day' + i * interval '1 ms', gen_random_uuid(), 'admin',
           'bulk.event', 'user', i::text, 'generated event number ' || i || ', for the streaming test',
           '{"status": "pending"}', jsonb_build_object('status', 'approved', 'n', i), false, 'req-' || i,
           '10.0.0.1', md5(i::text) || md5(i::text),
           CASE WHEN i = 1 THEN repeat('0', 64) ELSE md5((i - 1)::text) || md5((i - 1)::text) END,
           md5(i::text) || md5(i::text)
         FROM generate_series(1, $1::int) AS i`,
        [EVENTS],
      ),
    );
  }, 120000);
  afterAll(async () => {
    await t?.close();
  });

  it(`streams ${EVENTS} events as JSON Lines without holding them in memory`, async () => {
    // The app runs in this process, so its heap is this heap. Garbage would blur the picture: measure what
    // stays live, after a forced collection, every 25 MB of the download (a full collection of this
    // process's heap is slow, so only a few).
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    const baseline = process.memoryUsage().heapUsed;
    let peak = baseline;
    let nextSample = 25e6;
    // A failed assertion must not leave the server waiting for a reader (closing the app would hang).
    const download = new AbortController();
    const started = Date.now();
    let bytes = 0;
    let lines = 0;
    let first = '';
    let tail = '';
    try {
      const res = await fetch(`${t.baseUrl}/audit/events/export?format=jsonl`, {
        headers: compliance.headers,
        signal: download.signal,
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('transfer-encoding')).toBe('chunked');
      const reader = res.body!.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        bytes += value.length;
        for (let i = value.indexOf(10); i >= 0; i = value.indexOf(10, i + 1)) lines++;
        if (first.length < 2000) first += Buffer.from(value.subarray(0, 2000)).toString('utf8');
        tail = (tail + Buffer.from(value.subarray(-2000)).toString('utf8')).slice(-2000);
        if (bytes >= nextSample) {
          nextSample += 25e6;
          gc();
          peak = Math.max(peak, process.memoryUsage().heapUsed);
        }
      }
    } finally {
      download.abort();
    }
    const growth = peak - baseline;
    console.log(
      `audit export: ${EVENTS + 1} events, ${(bytes / 1e6).toFixed(1)} MB in ${Date.now() - started} ms; ` +
        `peak live heap growth ${(growth / 1e6).toFixed(1)} MB (baseline ${(baseline / 1e6).toFixed(0)} MB)`,
    );
    expect(lines).toBe(EVENTS + 1); // + the export's own event
    expect(JSON.parse(first.slice(0, first.indexOf('\n')))).toMatchObject({
      seq: 1,
      action: 'bulk.event',
    });
    const last = tail.trimEnd().split('\n').pop()!;
    expect(JSON.parse(last)).toMatchObject({ seq: EVENTS + 1, action: 'audit.export' });
    expect(bytes).toBeGreaterThan(80e6);
    // Holding the export would take at least its size in heap (more as JS strings and objects).
    expect(growth).toBeLessThan(bytes / 10);
  }, 120000);

  it('signs the head with the configured key, verifiable with the public key alone', async () => {
    const res = await fetch(`${t.baseUrl}/audit/head`, { headers: compliance.headers });
    expect(res.status).toBe(200);
    const head = (await res.json()) as SignedAuditHead;
    expect(head).toMatchObject({ count: EVENTS + 1, algorithm: 'Ed25519' });
    const publicPem = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(head.publicKey).toBe(publicPem);
    expect(verifyAuditHead(head, publicPem)).toBe(true);
  });

  it('verify over HTTP names the first bad event of a broken chain', async () => {
    const res = await fetch(`${t.baseUrl}/audit/verify`, { headers: compliance.headers });
    expect(await res.json()).toMatchObject({
      intact: false,
      count: 0,
      firstBad: { seq: 1, problem: 'hash_mismatch' },
    });
  });
});
