import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

// Jest loads this file outside its module system, so it imports only packages and node builtins
// (names below match test/support/test-database.ts).
const TEST_DB_PREFIX = 'fixbazaar_test_';
const LEFTOVER_AGE_MS = 3 * 3600 * 1000;

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * Once per `jest` run: start the local cluster (unless DATABASE_URL points elsewhere), drop leftover test
 * databases, and build a template database migrated by the real `migrate` script (built by `pretest`).
 * Each test file then clones the template (test/support/test-database.ts).
 */
export default async function globalSetup(
  _global: unknown,
  project: { rootDir: string },
): Promise<void> {
  const root = project.rootDir;
  const db = (...args: string[]) =>
    execFileSync('bash', [join(root, 'scripts', 'db.sh'), ...args], { encoding: 'utf8' }).trim();
  let appUrl: string;
  let ownerUrl: string;
  if (process.env.DATABASE_URL) {
    appUrl = process.env.DATABASE_URL;
    ownerUrl = process.env.DATABASE_OWNER_URL ?? appUrl;
  } else {
    execFileSync('bash', [join(root, 'scripts', 'db.sh'), 'start'], { stdio: 'inherit' });
    appUrl = db('url', 'app');
    ownerUrl = db('url', 'owner');
  }

  // Every run has its own prefix (its start time), so runs sharing a server do not drop each other's
  // databases; leftovers of runs that started over LEFTOVER_AGE_MS ago (crashed or killed) are dropped.
  const runPrefix = `${TEST_DB_PREFIX}${Date.now().toString(36)}_`;
  const template = `${runPrefix}template`;
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE $1`,
      [`${TEST_DB_PREFIX}%`],
    );
    for (const { datname } of rows) {
      const started = parseInt(datname.slice(TEST_DB_PREFIX.length).split('_')[0] ?? '', 36);
      if (!(started > Date.now() - LEFTOVER_AGE_MS)) {
        await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
      }
    }
    await client.query(`CREATE DATABASE "${template}" TEMPLATE template1`);
  } finally {
    await client.end();
  }

  const migrate = join(root, 'dist', 'scripts', 'migrate.js');
  if (!existsSync(migrate))
    throw new Error(`${migrate} is missing: run "npm run build" (npm test does it first)`);
  execFileSync(process.execPath, [migrate], {
    env: {
      ...process.env,
      DATABASE_URL: withDatabase(appUrl, template),
      DATABASE_OWNER_URL: withDatabase(ownerUrl, template),
    },
    stdio: 'inherit',
  });

  process.env.FIXBAZAAR_TEST_OWNER_URL = ownerUrl;
  process.env.FIXBAZAAR_TEST_APP_URL = appUrl;
  process.env.FIXBAZAAR_TEST_TEMPLATE = template;
  process.env.FIXBAZAAR_TEST_PREFIX = runPrefix;
}
