import type { DataSourceOptions } from 'typeorm';
import { migrations } from '../../migrations/index.js';
import type { AppConfig } from '../config/app-config.js';
import { entities } from './entities.js';
import { SnakeNamingStrategy } from './snake-naming.strategy.js';

export const MIGRATIONS_TABLE = 'typeorm_migrations';

/**
 * The startup options of every app connection: READ COMMITTED unless a transaction asks otherwise
 * (TransactionRunner then need not send SET TRANSACTION; the ledger relies on it), and
 * DATABASE_STATEMENT_TIMEOUT_MS — sent as an option, so 0 (no timeout, for the CLI's long reads)
 * reaches the server too: the pg driver leaves a 0 `statement_timeout` out of its startup packet,
 * and the role's default would then apply. PgBouncer drops them (the roles carry the same).
 */
export function connectionOptions(config: AppConfig): string {
  return `-c default_transaction_isolation=read\\ committed -c statement_timeout=${config.database.statementTimeoutMs}`;
}

/**
 * The one TypeORM configuration, for the application (app role) and for migrations (owner role).
 * `synchronize` is off: the schema changes only through reviewed migrations.
 */
export function dataSourceOptions(
  config: AppConfig,
  role: 'app' | 'owner',
  overrides: { url?: string; applicationName?: string; poolSize?: number } = {},
): DataSourceOptions {
  return {
    type: 'postgres',
    url: overrides.url ?? (role === 'app' ? config.database.url : config.database.ownerUrl),
    entities,
    migrations,
    migrationsTableName: MIGRATIONS_TABLE,
    migrationsTransactionMode: 'each',
    namingStrategy: new SnakeNamingStrategy(),
    synchronize: false,
    migrationsRun: false,
    logging: false,
    poolSize: overrides.poolSize ?? config.database.poolMax,
    applicationName: overrides.applicationName ?? `fixbazaar-${role}`,
    extra: {
      options: connectionOptions(config),
      connectionTimeoutMillis: config.database.poolWaitMs,
    },
  };
}
