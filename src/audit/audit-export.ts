import { csvChunks, type CsvCell } from '../common/csv.js';
import { auditCanonicalJson } from '../common/canonical-json.js';
import type { StoredAuditEvent } from './audit-query.service.js';

export const AUDIT_EXPORT_FORMATS = ['csv', 'jsonl'] as const;
export type AuditExportFormat = (typeof AUDIT_EXPORT_FORMATS)[number];

export const AUDIT_EXPORT_CONTENT_TYPES: Record<AuditExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  jsonl: 'application/x-ndjson; charset=utf-8',
};

export const AUDIT_CSV_COLUMNS = [
  'seq',
  'id',
  'occurred_at',
  'actor_id',
  'actor_role',
  'action',
  'target_type',
  'target_id',
  'reason',
  'before',
  'after',
  'override',
  'request_id',
  'ip',
  'device_fingerprint',
  'prev_hash',
  'hash',
] as const;

/** One CSV record's cells; `before`/`after` as canonical JSON text. */
function auditCsvRecord(e: StoredAuditEvent): CsvCell[] {
  return [
    e.seq,
    e.id,
    e.occurredAt,
    e.actorId,
    e.actorRole,
    e.action,
    e.targetType,
    e.targetId,
    e.reason,
    e.before === null ? null : auditCanonicalJson(e.before),
    e.after === null ? null : auditCanonicalJson(e.after),
    e.override,
    e.requestId,
    e.ip,
    e.deviceFingerprint,
    e.prevHash,
    e.hash,
  ];
}

/**
 * One JSON line. Without its `hash` field a line is exactly the hashed record, so anyone holding the
 * export can recompute the chain: sha256(canonical JSON of the line minus `hash`) = `hash`.
 */
export function auditJsonLine(e: StoredAuditEvent): string {
  return `${JSON.stringify(e)}\n`;
}

/** The export's body, one chunk per batch, pulled only as fast as the client reads. */
export async function* auditExportChunks(
  batches: AsyncIterable<StoredAuditEvent[]>,
  format: AuditExportFormat,
): AsyncGenerator<string> {
  if (format === 'csv') {
    yield* csvChunks(AUDIT_CSV_COLUMNS, csvRecords(batches));
    return;
  }
  for await (const batch of batches) yield batch.map(auditJsonLine).join('');
}

async function* csvRecords(batches: AsyncIterable<StoredAuditEvent[]>): AsyncGenerator<CsvCell[]> {
  for await (const batch of batches) yield* batch.map(auditCsvRecord);
}
