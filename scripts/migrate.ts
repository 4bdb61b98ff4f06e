import { DataSource } from 'typeorm';
import { ConfigError, loadConfig } from '../src/config/app-config.js';
import { dataSourceOptions } from '../src/database/data-source-options.js';

/** `npm run migrate`: runs pending migrations as the schema owner; `--show` only lists them. */
async function main(): Promise<void> {
  const config = loadConfig();
  const ds = new DataSource(
    dataSourceOptions(config, 'owner', { applicationName: 'fixbazaar-migrate' }),
  );
  await ds.initialize();
  try {
    if (process.argv.includes('--show')) {
      const pending = await ds.showMigrations();
      console.log(pending ? 'migrations pending' : 'migrations current');
      return;
    }
    const ran = await ds.runMigrations({ transaction: 'each' });
    console.log(ran.length ? `applied ${ran.map((m) => m.name).join(', ')}` : 'migrations current');
  } finally {
    await ds.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(
    err instanceof ConfigError ? err.message : `migrate failed: ${(err as Error).message}`,
  );
  process.exit(1);
});
