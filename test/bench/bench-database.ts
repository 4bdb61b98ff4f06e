import { DataSource } from 'typeorm';
import { type AppConfig, loadConfig } from '../../src/config/app-config.js';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
import { withClient, withDatabase } from '../support/test-database.js';

/** Leftover bench databases (a run killed before its cleanup) older than this are dropped. */
const LEFTOVER_AGE_MS = 3 * 3600 * 1000;

export interface BenchDatabase {
  name: string;
  config: AppConfig;
  drop(): Promise<void>;
}

/**
 * A fresh database `<prefix><time>` cloned from template1 by the owner role and migrated in process,
 * with the app's configuration pointing at it (`env` added on top). `synchronousCommit` sets it on the
 * database, so every connection of the run has it whatever the cluster's default.
 */
export async function createBenchDatabase(options: {
  prefix: string;
  env?: Record<string, string>;
  synchronousCommit?: boolean;
}): Promise<BenchDatabase> {
  const { prefix } = options;
  const base = loadConfig({ ...process.env, LOG_LEVEL: 'warn' }).database;
  const name = `${prefix}${Date.now().toString(36)}`;
  await withClient(base.ownerUrl, async (c) => {
    const { rows } = await c.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE $1`,
      [`${prefix}%`],
    );
    for (const { datname } of rows) {
      const started = parseInt(datname.slice(prefix.length), 36);
      if (!(started > Date.now() - LEFTOVER_AGE_MS))
        await c.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
    await c.query(`CREATE DATABASE "${name}" TEMPLATE template1`);
    if (options.synchronousCommit)
      await c.query(`ALTER DATABASE "${name}" SET synchronous_commit = on`);
  });
  const drop = () =>
    withClient(base.ownerUrl, (c) =>
      c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
    ).then(() => undefined);
  const config = loadConfig({
    ...process.env,
    LOG_LEVEL: 'warn',
    DATABASE_URL: withDatabase(base.url, name),
    DATABASE_OWNER_URL: withDatabase(base.ownerUrl, name),
    ...options.env,
  });
  const owner = new DataSource(
    dataSourceOptions(config, 'owner', { applicationName: 'fixbazaar-bench-migrate' }),
  );
  try {
    await owner.initialize();
    await owner.runMigrations({ transaction: 'each' });
    await owner.destroy();
  } catch (err) {
    if (owner.isInitialized) await owner.destroy().catch(() => undefined);
    await drop();
    throw err;
  }
  return { name, config, drop };
}
