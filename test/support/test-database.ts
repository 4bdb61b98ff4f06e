import { randomUUID } from 'node:crypto';
import pg from 'pg';

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
