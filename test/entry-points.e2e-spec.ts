import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../src/common/project-root.js';
import { createTestDatabase, withClient, type TestDatabase } from './support/test-database.js';

/** The built server and CLI as separate processes (`npm start`, `npm run cli`); `pretest` builds dist/. */
const root = projectRoot();
const main = join(root, 'dist', 'src', 'main.js');
const cli = join(root, 'dist', 'src', 'cli.js');

describe('entry points', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });
  const env = () => ({
    ...process.env,
    DATABASE_URL: db.appUrl,
    DATABASE_OWNER_URL: db.ownerUrl,
    LOG_LEVEL: 'warn',
  });

  it('runs on Node 24', () => {
    expect(process.version).toMatch(/^v24\./);
    const child = spawnSync(process.execPath, ['-p', 'process.version'], { encoding: 'utf8' });
    expect(child.stdout.trim()).toMatch(/^v24\./);
  });

  it('stops with one clear line naming a bad variable', () => {
    const r = spawnSync(process.execPath, [main], {
      env: { ...env(), PORT: 'abc' },
      encoding: 'utf8',
      timeout: 20000,
    });
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Invalid configuration: PORT: .*\(got "abc"\)$/);

    const r2 = spawnSync(process.execPath, [main], {
      env: { ...env(), DATABASE_URL: 'mysql://x' },
      encoding: 'utf8',
      timeout: 20000,
    });
    expect(r2.status).toBe(1);
    expect(r2.stderr.trim()).toMatch(/^Invalid configuration: DATABASE_URL: must be a postgres/);
  });

  it('serves /health/ready from the built server and stops cleanly on SIGTERM', async () => {
    // PORT=0: the server takes a free port and logs it, so nothing else can answer on it.
    const child = spawn(process.execPath, [main], {
      env: { ...env(), PORT: '0', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const listening = /FixBazaar listening on (http:\/\/127\.0\.0\.1:\d+)/;
    let url: string | undefined;
    try {
      for (let i = 0; i < 300 && !url && child.exitCode === null; i++) {
        url = listening.exec(output)?.[1];
        if (!url) await new Promise((r) => setTimeout(r, 100));
      }
      expect(url).toBeDefined();
      let status = 0;
      for (let i = 0; i < 100 && status !== 200; i++) {
        status = await fetch(`${url}/health/ready`).then(
          (r) => r.status,
          () => 0,
        );
        if (status !== 200) await new Promise((r) => setTimeout(r, 200));
      }
      expect(status).toBe(200);
    } finally {
      const exited = new Promise<number | null>((resolve) =>
        child.exitCode === null
          ? child.on('exit', (code) => resolve(code))
          : resolve(child.exitCode),
      );
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
    // stdout is JSON lines only
    const lines = output
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { msg?: string });
    expect(lines.some((l) => l.msg?.startsWith(`FixBazaar listening on ${url}`))).toBe(true);
  });

  it('cli db:status reports the database and exits 0 when migrations are current', () => {
    const r = spawnSync(process.execPath, [cli, 'db:status', '--json'], {
      env: env(),
      encoding: 'utf8',
      timeout: 30000,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const s = JSON.parse(r.stdout) as {
      reachable: boolean;
      database: string;
      postgisVersion: string;
      migrations: { pending: string[]; applied: string[] };
    };
    expect(s).toMatchObject({ reachable: true, database: db.name });
    expect(s.postgisVersion).toMatch(/^3\./);
    expect(s.migrations.pending).toEqual([]);
    expect(s.migrations.applied.length).toBeGreaterThan(0);
  });

  it('cli rejects an unknown command with usage and exit 2', () => {
    const r = spawnSync(process.execPath, [cli, 'no-such-command'], {
      env: env(),
      encoding: 'utf8',
      timeout: 30000,
    });
    expect(r.status).toBe(2);
    expect(r.stdout).toContain('db:status');
  });

  it('cli create-admin makes the first admin (audited), refuses duplicates and bad input', async () => {
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [cli, 'create-admin', ...args], {
        env: env(),
        encoding: 'utf8',
        timeout: 30000,
      });
    const ok = run(
      '--email',
      'Root@FixBazaar.in',
      '--name',
      'Root',
      '--password',
      'a-long-admin-password',
    );
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^created admin root@fixbazaar\.in/);
    const rows = await withClient(db.ownerUrl, async (c) => ({
      users: (await c.query(`SELECT role, status FROM users WHERE email = 'root@fixbazaar.in'`))
        .rows,
      audit: (
        await c.query(`SELECT actor_role, action FROM audit_events WHERE action = 'account.create'`)
      ).rows,
    }));
    expect(rows).toEqual({
      users: [{ role: 'admin', status: 'approved' }],
      audit: [{ actor_role: 'system', action: 'account.create' }],
    });
    const dup = run('--email', 'root@fixbazaar.in', '--password', 'a-long-admin-password');
    expect(dup.status).toBe(1);
    expect(dup.stderr).toContain('already exists');
    expect(run('--email', 'not-an-email', '--password', 'a-long-admin-password').status).toBe(2);
    expect(run('--email', 'x@fixbazaar.in', '--password', 'short').status).toBe(2);
  });
});
