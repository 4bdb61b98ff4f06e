import type { DataSourceOptions } from 'typeorm';
import { migrations } from '../../migrations/index.js';
import type { AppConfig } from '../config/app-config.js';
import { entities } from './entities.js';
import { SnakeNamingStrategy } from './snake-naming.strategy.js';

export const MIGRATIONS_TABLE = 'typeorm_migrations';

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
      // Transactions are READ COMMITTED unless they ask otherwise, whatever the server's default:
      // TransactionRunner then need not send SET TRANSACTION, and the ledger relies on it.
      options: '-c default_transaction_isolation=read\\ committed',
      statement_timeout: config.database.statementTimeoutMs,
      connectionTimeoutMillis: config.database.poolWaitMs,
    },
  };
}
