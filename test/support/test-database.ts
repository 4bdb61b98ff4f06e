import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { QueryRunner } from 'typeorm';

/** Names and URLs the e2e global setup hands to every test file through the environment. */
export const TEST_ENV = {
  ownerUrl: 'FIXBAZAAR_TEST_OWNER_URL',
  appUrl: 'FIXBAZAAR_TEST_APP_URL',
  template: 'FIXBAZAAR_TEST_TEMPLATE',
  prefix: 'FIXBAZAAR_TEST_PREFIX',
} as const;

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value)
    throw new Error(`${name} is not set: e2e tests run through jest's e2e project (global setup)`);
  return value;
}

export async function withClient<T>(
  url: string,
  fn: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The part of a migration the tests run by hand (its `down` then its `up`). */
interface ReversibleMigration {
  down(runner: QueryRunner): Promise<void>;
  up(runner: QueryRunner): Promise<void>;
}

/**
 * Runs `migration`'s down and up again inside one transaction as the schema owner, reads `query`
 * and rolls everything back: what a back-filling migration would write for today's rows.
 */
export function rowsAfterRemigrating(
  ownerUrl: string,
  migration: ReversibleMigration,
  query: string,
): Promise<Record<string, unknown>[]> {
  return withClient(ownerUrl, async (c) => {
    await c.query('BEGIN');
    try {
      const runner = { query: (text: string) => c.query(text) } as unknown as QueryRunner;
      await migration.down(runner);
      await migration.up(runner);
      return (await c.query<Record<string, unknown>>(query)).rows;
    } finally {
      await c.query('ROLLBACK');
    }
  });
}

export interface TestDatabase {
  name: string;
  appUrl: string;
  ownerUrl: string;
  drop(): Promise<void>;
}

/**
 * A database of this test file's own, cloned from the migrated template (or from `template1`, i.e. an
 * empty unmigrated schema, when asked).
 */
export async function createTestDatabase(
  from: 'migrated' | 'empty' = 'migrated',
): Promise<TestDatabase> {
  const ownerUrl = requireEnv(TEST_ENV.ownerUrl);
  const template = from === 'migrated' ? requireEnv(TEST_ENV.template) : 'template1';
  const name = `${requireEnv(TEST_ENV.prefix)}${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  await withClient(ownerUrl, (c) => c.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
  return {
    name,
    appUrl: withDatabase(requireEnv(TEST_ENV.appUrl), name),
    ownerUrl: withDatabase(ownerUrl, name),
    drop: () =>
      withClient(ownerUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(
        () => undefined,
      ),
  };
}
