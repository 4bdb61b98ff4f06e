/**
 * Crash safety of the PostgreSQL ledger (issue #4): a process SIGKILLed in the middle of a posting's
 * transaction leaves no partial entry, and the retried command with the same keys takes effect once.
 *
 * For each kill point a child process (test/support/ledger-crash-child.ts, the current sources run
 * through a transpiling loader) executes a command through the real LedgerService and stops inside its
 * transaction — after the floored accounts are locked, after the entry INSERT, after the lines INSERT,
 * after the second entry of a batch, after `executeIn` returned just before COMMIT, or after three of
 * four postings group-committed in one transaction were written (their savepoints released) — and reports
 * its backend pid and transaction id. The test checks the child really is mid-transaction (its
 * backend is idle in transaction, holds the account row lock, nothing is visible), SIGKILLs it, waits
 * for PostgreSQL to end the backend, and asserts the transaction aborted, no entry, line or balance
 * delta of it exists and no counter moved; then it retries the same command (ok, once) and again
 * (replayed), and compares the counter changes with the in-memory model's.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { projectRoot } from '../src/common/project-root.js';
import type { Counters } from '../src/ledger/domain/account.js';
import { LedgerModel } from '../src/ledger/domain/ledger-model.js';
import type { LedgerService } from '../src/ledger/persistence/ledger.service.js';
import {
  crashAccounts,
  crashCommands,
  crashKeys,
  KILL_POINTS,
  type KillPoint,
  setupCommands,
} from './support/ledger-crash-scenario.js';
import { type LedgerApp, startLedgerOn } from './support/ledger.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

const root = projectRoot();
const LOADER = pathToFileURL(join(root, 'test', 'support', 'ledger-crash-loader.js')).href;
const CHILD = join(root, 'test', 'support', 'ledger-crash-child.ts');
/** Starting a child (transpiling the sources it loads) takes seconds on a busy 2-core machine. */
const CHILD_START_MS = 120_000;

interface PausedChild {
  readonly process: ChildProcess;
  readonly backendPid: number;
  readonly xid: string;
  readonly output: () => string;
}

/** Starts the child for a kill point and resolves once it reports that it stopped there. */
function startChild(point: KillPoint, tag: string, db: TestDatabase): Promise<PausedChild> {
  const child = spawn(process.execPath, ['--import', LOADER, CHILD, point.name, tag], {
    cwd: root,
    env: { ...process.env, CRASH_DATABASE_URL: db.appUrl, CRASH_DATABASE_OWNER_URL: db.ownerUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const output = () => `stdout:\n${stdout}\nstderr:\n${stderr}`;
  return new Promise<PausedChild>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`child ${point.name} did not pause within ${CHILD_START_MS} ms\n${output()}`),
      );
    }, CHILD_START_MS);
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const m = /^PAUSED (\d+) (\S+)$/m.exec(stdout);
      if (m !== null) {
        clearTimeout(timer);
        resolve({ process: child, backendPid: Number(m[1]), xid: m[2], output });
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        new Error(`child ${point.name} exited (${code ?? signal}) before pausing\n${output()}`),
      );
    });
  });
}

function kill(child: ChildProcess): Promise<NodeJS.Signals | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve(child.signalCode);
      return;
    }
    child.once('exit', (_code, signal) => resolve(signal));
    child.kill('SIGKILL');
  });
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

type CounterSnapshot = Map<string, Counters>;

async function counters(ledger: LedgerService): Promise<CounterSnapshot> {
  return new Map(
    (await ledger.accounts()).map((a) => [
      a.code,
      {
        debitsPosted: a.debitsPosted,
        creditsPosted: a.creditsPosted,
        debitsPending: a.debitsPending,
        creditsPending: a.creditsPending,
      },
    ]),
  );
}

/** Per account, after − before (accounts whose counters did not move are left out). */
function changes(before: CounterSnapshot, after: CounterSnapshot): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [code, a] of after) {
    const b = before.get(code) ?? {
      debitsPosted: 0n,
      creditsPosted: 0n,
      debitsPending: 0n,
      creditsPending: 0n,
    };
    const d = [
      a.debitsPosted - b.debitsPosted,
      a.creditsPosted - b.creditsPosted,
      a.debitsPending - b.debitsPending,
      a.creditsPending - b.creditsPending,
    ];
    if (d.some((x) => x !== 0n)) out[code] = d.map(String);
  }
  return out;
}

describe('ledger crash: SIGKILL in the middle of a posting', () => {
  let db: TestDatabase;
  let app: LedgerApp;
  let sql: pg.Client;
  const children = new Map<string, Promise<PausedChild>>();
  const tagOf = (point: KillPoint) => `crash-${point.name}`;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startLedgerOn(db);
    sql = new pg.Client({ connectionString: db.appUrl });
    await sql.connect();
    for (const point of KILL_POINTS) {
      for (const command of setupCommands(tagOf(point))) {
        expect((await app.ledger.execute(command)).code).toBe('ok');
      }
    }
    // One child first (it fills the loader's transpile cache), then the others at once: each case has
    // accounts and keys of its own. Each pauses at its kill point; a failure to start is reported by
    // the case's own test.
    for (const [i, point] of KILL_POINTS.entries()) {
      const started = startChild(point, tagOf(point), db);
      started.catch(() => undefined);
      children.set(point.name, started);
      if (i === 0) await started.catch(() => undefined);
    }
    await Promise.allSettled(children.values());
  }, CHILD_START_MS + 30_000);

  afterAll(async () => {
    for (const started of children.values()) {
      await started.then((c) => kill(c.process)).catch(() => undefined);
    }
    await sql?.end();
    await app?.close();
    await db?.drop();
  });

  it.each(KILL_POINTS.map((p) => [p.name, p] as const))(
    'killed at %s: nothing of the command remains; the retry takes effect once',
    async (_name, point) => {
      const tag = tagOf(point);
      const keys = crashKeys(tag, point.shape);
      const commands = crashCommands(tag, point.shape);
      const { escrow } = crashAccounts(tag);
      const child = await children.get(point.name);
      if (child === undefined) throw new Error('no child');

      // The child is inside its transaction: idle in it, holding the escrow row lock, invisible.
      const before = await counters(app.ledger);
      const deltasBefore = await sql.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM ledger_balance_deltas`,
      );
      const activity = await sql.query<{ state: string; xid: string | null }>(
        `SELECT state, backend_xid::text AS xid FROM pg_stat_activity WHERE pid = $1`,
        [child.backendPid],
      );
      expect(activity.rows).toHaveLength(1);
      expect(activity.rows[0].state).toBe('idle in transaction');
      // It has a transaction id: it has locked rows (and, past the first kill point, written some).
      expect(activity.rows[0].xid).not.toBeNull();
      expect(child.xid).toMatch(/^\d+$/);
      const lockAttempt = await sql
        .query(`SELECT 1 FROM ledger_accounts WHERE code = $1 FOR NO KEY UPDATE NOWAIT`, [escrow])
        .then(
          () => 'acquired',
          (err: { code?: string }) => err.code,
        );
      expect(lockAttempt).toBe('55P03'); // lock_not_available: the child holds it
      const visible = await sql.query(`SELECT id FROM ledger_entries WHERE id = ANY($1)`, [keys]);
      expect(visible.rows).toEqual([]);

      expect(await kill(child.process)).toBe('SIGKILL');
      await waitUntil('the killed backend is gone', async () => {
        const { rows } = await sql.query(`SELECT 1 FROM pg_stat_activity WHERE pid = $1`, [
          child.backendPid,
        ]);
        return rows.length === 0;
      });

      // PostgreSQL rolled the dead backend's transaction back: nothing of it exists.
      const status = await sql.query<{ status: string }>(
        `SELECT pg_xact_status($1::xid8) AS status`,
        [child.xid],
      );
      expect(status.rows[0].status).toBe('aborted');
      const left = await sql.query<{ entries: string; lines: string; resolutions: string }>(
        `SELECT (SELECT count(*) FROM ledger_entries WHERE id = ANY($1))::text AS entries,
                (SELECT count(*) FROM ledger_lines WHERE entry_id = ANY($1))::text AS lines,
                (SELECT count(*) FROM ledger_entries WHERE pending_id = $2)::text AS resolutions`,
        [keys, `${tag}:hold`],
      );
      expect(left.rows[0]).toEqual({ entries: '0', lines: '0', resolutions: '0' });
      const deltasAfter = await sql.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM ledger_balance_deltas`,
      );
      expect(deltasAfter.rows[0].n).toBe(deltasBefore.rows[0].n);
      expect(changes(before, await counters(app.ledger))).toEqual({});
      const relock = await sql.query(
        `SELECT 1 FROM ledger_accounts WHERE code = $1 FOR NO KEY UPDATE NOWAIT`,
        [escrow],
      );
      expect(relock.rows).toHaveLength(1);

      // The retry with the same keys takes effect once (all at once: group-committed together);
      // a second retry replays.
      const first = await Promise.all(commands.map((c) => app.ledger.execute(c)));
      expect(first.map((r) => [r.code, r.replayed === true])).toEqual(
        commands.map(() => ['ok', false]),
      );
      const second = await Promise.all(commands.map((c) => app.ledger.execute(c)));
      expect(second.map((r) => [r.code, r.replayed])).toEqual(commands.map(() => ['ok', true]));
      const stored = await sql.query<{ id: string; lines: string }>(
        `SELECT e.id, (SELECT count(*) FROM ledger_lines l WHERE l.entry_id = e.id)::text AS lines
         FROM ledger_entries e WHERE e.id = ANY($1) ORDER BY e.seq`,
        [keys],
      );
      // One command's entries in its order; grouped commands committed in whichever order they ran.
      const ids = stored.rows.map((r) => r.id);
      expect(commands.length === 1 ? ids : ids.sort()).toEqual(
        commands.length === 1 ? keys : [...keys].sort(),
      );
      expect(stored.rows.every((r) => Number(r.lines) >= 2)).toBe(true);

      // …and moves the counters exactly as the model says the command does.
      const model = new LedgerModel();
      const now = Date.now();
      for (const c of setupCommands(tag)) expect(model.apply(c, now).code).toBe('ok');
      const modelBefore = new Map(model.accounts().map((a) => [a.code, a as Counters]));
      for (const c of commands) expect(model.apply(c, now).code).toBe('ok');
      const modelAfter = new Map(model.accounts().map((a) => [a.code, a as Counters]));
      const expected = changes(modelBefore, modelAfter);
      expect(Object.keys(expected).length).toBeGreaterThan(0);
      expect(changes(before, await counters(app.ledger))).toEqual(expected);
    },
    60_000,
  );
});
