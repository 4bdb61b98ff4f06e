import pg from 'pg';

/** Drops the template; each test file drops its own database. Imports only packages (see global-setup). */
export default async function globalTeardown(): Promise<void> {
  const ownerUrl = process.env.FIXBAZAAR_TEST_OWNER_URL;
  const template = process.env.FIXBAZAAR_TEST_TEMPLATE;
  if (!ownerUrl || !template) return;
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
