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
