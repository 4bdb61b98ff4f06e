/**
 * The restore drill (`npm run db -- drill`, scripts/drill.sh) end to end, small: a cluster of its
 * own with its WAL archived by pgBackRest, a full backup, orders' journals posted before and after a
 * time T, a restore to T into a new cluster, and there `ledger:verify` and `audit:verify` clean and
 * the trial balance equal to the primary's as of T. The drill prints RESULT lines; this test parses
 * them, checks that exactly the entries up to T came back, and that the drill left nothing behind.
 * DRILL_ENTRIES sets the size (default here 200; README "Backups and the restore drill" has the
 * figures of the large run).
 */
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { projectRoot } from '../src/common/project-root.js';

const ENTRIES = Number(process.env.DRILL_ENTRIES ?? 200);
/** Every drill order posts its capture (149,900 paise debited to the gateway receivable) and release. */
const ORDER_PAISE = 149_900n;
const TIMEOUT_MS = Math.max(300_000, ENTRIES * 5);

interface Drill {
  code: number | null;
  results: Map<string, string>;
  stderr: string;
}

/**
 * Runs the drill in a process group of its own; short of the test's timeout the group is sent
 * SIGTERM (the drill's writers stop, and the drill still stops its servers and removes its files).
 */
function runDrill(): Promise<Drill> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(projectRoot(), 'scripts', 'db.sh'), 'drill'], {
      env: { ...process.env, DRILL_ENTRIES: String(ENTRIES) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGTERM'), TIMEOUT_MS - 30_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const results = new Map<string, string>();
      for (const m of stdout.matchAll(/^RESULT drill\.(\S+) (.*)$/gm)) results.set(m[1]!, m[2]!);
      resolve({ code, results, stderr });
    });
  });
}

/** Where db.sh keeps the server's files (.local/pg, or where .local/pg/data links to). */
function stateDir(): string {
  const data = join(projectRoot(), '.local', 'pg', 'data');
  if (existsSync(data) && lstatSync(data).isSymbolicLink()) return dirname(realpathSync(data));
  return join(projectRoot(), '.local', 'pg');
}

/** Processes whose working directory is inside `dir` (a server left running). */
function processesIn(dir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (realpathSync(`/proc/${pid}/cwd`).startsWith(dir)) found.push(pid);
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

describe('restore drill (pgBackRest, point in time)', () => {
  it(
    'restores to T into a new cluster whose ledger, audit trail and trial balance check out',
    async () => {
      const drill = await runDrill();
      const r = drill.results;
      if (drill.code !== 0) console.error(drill.stderr);
      expect(drill.code).toBe(0);

      // A quarter of the orders were posted after T: the primary has them, the restore does not.
      const orders = Math.floor(ENTRIES / 2);
      const afterT = orders - Math.floor(orders / 2) - Math.floor(orders / 4);
      const atTarget = Number(r.get('entries_at_target'));
      expect(Number(r.get('entries_total'))).toBe(2 * orders);
      expect(atTarget).toBe(2 * (orders - afterT));
      expect(Number(r.get('entries_restored'))).toBe(atTarget);

      expect(r.get('ledger_verify')).toBe('clean');
      expect(r.get('audit_verify')).toBe('clean');
      expect(r.get('trial_balance')).toBe('equal');
      // The restored books: every order paid up to T debited the gateway receivable.
      expect(r.get('trial_balance_debits')).toBe(`${(BigInt(atTarget) / 2n) * ORDER_PAISE} paise`);
      expect(r.get('restore_seconds')).toMatch(/^\d+\.\d s$/);
      console.log(
        `restore drill, ${ENTRIES} entries: backup ${r.get('backup_seconds')}, restore ${r.get('restore_seconds')}`,
      );

      // Torn down: no server left in the drill's directory, which is gone.
      const dir = join(stateDir(), 'drill');
      expect(existsSync(dir)).toBe(false);
      expect(processesIn(dir)).toEqual([]);
    },
    TIMEOUT_MS,
  );
});
