import type { EntityManager } from 'typeorm';

/**
 * Runs a statement in the transaction behind `tx` and returns rows and affected-row count alike for
 * every statement kind (EntityManager.query shapes UPDATE/DELETE results differently from SELECT).
 */
export async function execute<T = Record<string, unknown>>(
  tx: EntityManager,
  sql: string,
  params: unknown[] = [],
): Promise<{ rows: T[]; affected: number }> {
  if (!tx.queryRunner) throw new Error('execute() needs a transactional EntityManager');
  const result = await tx.queryRunner.query(sql, params, true);
  return { rows: result.records as T[], affected: result.affected ?? result.records.length };
}

/**
 * `execute` as a named prepared statement on the transaction's own connection: PostgreSQL parses
 * and plans it once per connection instead of on every call. For a few fixed hot-path statements
 * (the name must always carry the same text).
 */
export async function executePrepared<T = Record<string, unknown>>(
  tx: EntityManager,
  name: string,
  sql: string,
  params: unknown[],
): Promise<{ rows: T[]; affected: number }> {
  const client = (tx.queryRunner as { databaseConnection?: PreparedClient } | undefined)
    ?.databaseConnection;
  if (!client) throw new Error('executePrepared() needs a transactional EntityManager');
  const result = await client.query({ name, text: sql, values: params });
  return { rows: result.rows as T[], affected: result.rowCount ?? result.rows.length };
}

/** The part of node-postgres's client that executePrepared uses. */
export interface PreparedClient {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{
    rows: unknown[];
    rowCount: number | null;
  }>;
}

/** A PostgreSQL error's SQLSTATE, whether TypeORM wrapped it (`driverError`) or not. */
export function sqlStateOf(err: unknown): string | undefined {
  const e = err as { code?: unknown; driverError?: { code?: unknown } } | null;
  const code = e?.driverError?.code ?? e?.code;
  return typeof code === 'string' ? code : undefined;
}
