/**
 * Group commit (`TransactionRunner.grouped`, src/database/group-commit.ts) on real PostgreSQL:
 * commands submitted together share one transaction, each all-or-nothing in its own savepoint; a
 * refused command rolls back alone (writes and queued events); results are handed out after COMMIT;
 * a deadlock or serialization failure reruns the command alone; a batch whose connection dies fails
 * every command of it and commits nothing. The ledger’s entry point uses it
 * (test/ledger-crash.e2e-spec.ts kills a process in the middle of a grouped batch).
 */
import { EventBus } from '@nestjs/cqrs';
import pg from 'pg';
import type { EntityManager } from 'typeorm';
import { publishAfterCommit } from '../src/common/state-transition.js';
import { execute } from '../src/database/sql.js';
import { TransactionRunner } from '../src/database/transaction.js';
import { MetricsService } from '../src/observability/metrics.service.js';
import { type LedgerApp, startLedgerOn } from './support/ledger.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

class ProbeWritten {
  constructor(readonly id: string) {}
}

describe('group commit', () => {
  let db: TestDatabase;
  let app: LedgerApp;
  let tx: TransactionRunner;
  let owner: pg.Client;
  const published: object[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    owner = new pg.Client({ connectionString: db.ownerUrl });
    await owner.connect();
    const appRole = decodeURIComponent(new URL(db.appUrl).username);
    await owner.query(
      `CREATE TABLE group_commit_probe (id text PRIMARY KEY, n int NOT NULL DEFAULT 0)`,
    );
    await owner.query(`GRANT SELECT, INSERT, UPDATE ON group_commit_probe TO "${appRole}"`);
    // One batch in flight: commands submitted while it runs wait and go together in the next one.
    app = await startLedgerOn(db, {
      env: { DATABASE_GROUP_COMMIT_CONCURRENCY: '1', DATABASE_GROUP_COMMIT_MAX: '16' },
    });
    tx = app.moduleRef.get(TransactionRunner);
    app.moduleRef.get(EventBus).subscribe((e: object) => published.push(e));
  });

  afterAll(async () => {
    await app?.close();
    await owner?.end();
    await db?.drop();
  });

  const insert = (t: EntityManager, id: string) =>
    execute(t, `INSERT INTO group_commit_probe (id) VALUES ($1)`, [id]);
  const txid = async (t: EntityManager) =>
    (await execute<{ x: string }>(t, `SELECT txid_current()::text AS x`)).rows[0]!.x;
  const stored = async (prefix: string) =>
    (
      await owner.query<{ id: string }>(
        `SELECT id FROM group_commit_probe WHERE id LIKE $1 ORDER BY id`,
        [`${prefix}%`],
      )
    ).rows.map((r) => r.id);
  /** A command that holds the single batch slot until `release` is called. */
  function blocker(id: string) {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const done = tx.grouped(async (t) => {
      await insert(t, id);
      await gate;
      return 'blocker';
    });
    return { done, release };
  }
  const metric = async (name: string) => {
    const text = await app.moduleRef.get(MetricsService).registry.metrics();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return Number(line?.split(' ')[1] ?? 0);
  };

  it('runs commands submitted together in one transaction, each with its own result', async () => {
    const first = blocker('a-0');
    const rest = ['a-1', 'a-2', 'a-3', 'a-4', 'a-5'].map((id) =>
      tx.grouped(async (t) => {
        await insert(t, id);
        return { id, txid: await txid(t) };
      }),
    );
    first.release();
    expect(await first.done).toBe('blocker');
    const results = await Promise.all(rest);
    expect(results.map((r) => r.id)).toEqual(['a-1', 'a-2', 'a-3', 'a-4', 'a-5']);
    // The five waited behind the first and shared the next transaction.
    expect(new Set(results.map((r) => r.txid)).size).toBe(1);
    expect(await stored('a-')).toEqual(['a-0', 'a-1', 'a-2', 'a-3', 'a-4', 'a-5']);
  });

  it('rolls a refused command back alone: its writes and events go, its neighbours commit', async () => {
    const first = blocker('b-0');
    const ok = (id: string) =>
      tx.grouped(async (t) => {
        await insert(t, id);
        publishAfterCommit(t, new ProbeWritten(id));
        return id;
      });
    const before = ok('b-1');
    const refused = tx.grouped(async (t) => {
      await insert(t, 'b-refused');
      await execute(t, `UPDATE group_commit_probe SET n = n + 1 WHERE id = 'b-1'`);
      publishAfterCommit(t, new ProbeWritten('b-refused'));
      throw new Error('refused by its own rule');
    });
    // A constraint violation inside a command aborts only its savepoint.
    const duplicate = tx.grouped((t) => insert(t, 'b-0'));
    const after = ok('b-2');
    first.release();
    await first.done;
    await expect(refused).rejects.toThrow('refused by its own rule');
    await expect(duplicate).rejects.toMatchObject({ driverError: { code: '23505' } });
    expect(await Promise.all([before, after])).toEqual(['b-1', 'b-2']);
    expect(await stored('b-')).toEqual(['b-0', 'b-1', 'b-2']);
    const n = await owner.query<{ n: number }>(`SELECT n FROM group_commit_probe WHERE id = 'b-1'`);
    expect(n.rows[0]!.n).toBe(0);
    const ids = published.flatMap((e) => (e instanceof ProbeWritten ? [e.id] : []));
    expect(ids.sort()).toEqual(['b-1', 'b-2']);
  });

  it('hands a result out only once its transaction has committed', async () => {
    const first = blocker('c-0');
    const seen = ['c-1', 'c-2', 'c-3'].map((id) =>
      tx.grouped((t) => insert(t, id)).then(() => stored(id)),
    );
    first.release();
    await first.done;
    // When each caller is answered, its row is visible to another session.
    expect(await Promise.all(seen)).toEqual([['c-1'], ['c-2'], ['c-3']]);
  });

  it('reruns a command alone after a deadlock in its batch', async () => {
    const alone = await metric('db_group_commit_alone_total');
    let attempts = 0;
    const first = blocker('d-0');
    const unlucky = tx.grouped(async (t) => {
      attempts += 1;
      await insert(t, `d-unlucky-${attempts}`);
      if (attempts === 1)
        await execute(t, `DO $$ BEGIN RAISE EXCEPTION 'deadlock' USING ERRCODE = '40P01'; END $$`);
      return txid(t);
    });
    const neighbour = tx.grouped(async (t) => {
      await insert(t, 'd-neighbour');
      return txid(t);
    });
    first.release();
    await first.done;
    const [unluckyTx, neighbourTx] = await Promise.all([unlucky, neighbour]);
    expect(attempts).toBe(2);
    expect(unluckyTx).not.toBe(neighbourTx); // its second run had a transaction of its own
    expect(await stored('d-')).toEqual(['d-0', 'd-neighbour', 'd-unlucky-2']);
    expect(await metric('db_group_commit_alone_total')).toBe(alone + 1);
  });

  it('does not hold its batch behind a lock another transaction keeps: waits again alone', async () => {
    await owner.query(`INSERT INTO group_commit_probe (id) VALUES ('f-locked')`);
    const alone = await metric('db_group_commit_alone_total');
    const other = new pg.Client({ connectionString: db.ownerUrl });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query(`SELECT 1 FROM group_commit_probe WHERE id = 'f-locked' FOR UPDATE`);
      const first = blocker('f-0');
      const waiter = tx.grouped(async (t) => {
        await execute(t, `UPDATE group_commit_probe SET n = n + 1 WHERE id = 'f-locked'`);
        return txid(t);
      });
      const neighbour = tx.grouped(async (t) => {
        await insert(t, 'f-1');
        return txid(t);
      });
      first.release();
      await first.done;
      // The neighbour's batch committed while the lock is still held (the waiter gave up after its
      // bounded wait and was set aside).
      const neighbourTx = await neighbour;
      expect(await stored('f-1')).toEqual(['f-1']);
      await other.query('COMMIT');
      expect(await waiter).not.toBe(neighbourTx);
      const n = await owner.query<{ n: number }>(
        `SELECT n FROM group_commit_probe WHERE id = 'f-locked'`,
      );
      expect(n.rows[0]!.n).toBe(1);
      expect(await metric('db_group_commit_alone_total')).toBe(alone + 1);
    } finally {
      await other.end();
    }
  });

  it('fails every command of a batch whose connection dies, and commits none of it', async () => {
    const first = blocker('e-0');
    const written = tx.grouped((t) => insert(t, 'e-1'));
    const killer = tx.grouped(async (t) => {
      await insert(t, 'e-2');
      const { rows } = await execute<{ pid: number }>(t, `SELECT pg_backend_pid() AS pid`);
      await owner.query(`SELECT pg_terminate_backend($1)`, [rows[0]!.pid]);
      await execute(t, `SELECT 1`);
    });
    const later = tx.grouped((t) => insert(t, 'e-3'));
    first.release();
    await first.done;
    const outcomes = await Promise.allSettled([written, killer, later]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(await stored('e-')).toEqual(['e-0']);
    // The pool recovers: the next command commits.
    await tx.grouped((t) => insert(t, 'e-4'));
    expect(await stored('e-')).toEqual(['e-0', 'e-4']);
  });
});
