/**
 * The journal audit export: CSV (RFC 4180, one row per line, via the shared CSV writer) or
 * JSON Lines (one entry per line, with its lines). Each row or object carries the entry's hash and
 * the proof of the seal covering it (null while unsealed). Amounts are exact integers of paise in
 * both formats, whatever their size (JSON numbers beyond 2^53 − 1 included: read them with a
 * big-integer-aware parser).
 */
import { csvChunks, type CsvCell } from '../../common/csv.js';
import { ledgerCanonicalJson } from '../../common/canonical-json.js';
import type { LedgerExportFormat } from '../dto/ledger-read.dto.js';
import { entryView } from './ledger-read.mapper.js';
import type { EntryRecord } from './ledger-read.service.js';

export const LEDGER_EXPORT_CONTENT_TYPES: Record<LedgerExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  jsonl: 'application/x-ndjson; charset=utf-8',
};

export const LEDGER_CSV_COLUMNS = [
  'entry_seq',
  'entry_id',
  'kind',
  'event_type',
  'reference',
  'actor',
  'effective_at',
  'metadata',
  'pending_id',
  'reversal_of',
  'timeout_at',
  'input_hash',
  'result',
  'line_no',
  'account',
  'side',
  'amount',
  'entry_hash',
  'seal_no',
  'seal_position',
  'seal_hash',
  'seal_prev_hash',
  'seal_signature',
  'seal_key_id',
] as const;

/** The CSV records of one entry: one per line; `metadata` and `result` as canonical JSON. */
function ledgerCsvRecords(e: EntryRecord): CsvCell[][] {
  return e.lines.map((l) => [
    e.seq.toString(),
    e.id,
    e.kind,
    e.eventType,
    e.reference,
    e.actor,
    e.effectiveAt.toISOString(),
    ledgerCanonicalJson(e.metadata),
    e.pendingId,
    e.reversalOf,
    e.timeoutAt === null ? null : e.timeoutAt.toISOString(),
    e.inputHash,
    ledgerCanonicalJson(e.result),
    l.lineNo,
    l.account,
    l.side,
    l.amount.toString(),
    e.hash,
    e.seal === null ? null : e.seal.sealNo.toString(),
    e.seal === null ? null : e.seal.position,
    e.seal?.hash ?? null,
    e.seal?.prevHash ?? null,
    e.seal?.signature ?? null,
    e.seal?.keyId ?? null,
  ]);
}

/**
 * JSON with bigints written as exact integer literals (JSON itself has no size limit on numbers;
 * JSON.stringify cannot write a bigint). Plain data only: objects keep their key order.
 */
export function exactJson(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v: unknown) => exactJson(v)).join(',')}]`;
  const record = value as Record<string, unknown>;
  const members = Object.keys(record)
    .filter((k) => record[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${exactJson(record[k])}`);
  return `{${members.join(',')}}`;
}

/** One JSON line: the entry as the API shows it (LedgerEntryDto), amounts and numbers exact. */
export function ledgerJsonLine(e: EntryRecord): string {
  return `${exactJson(entryView(e, (value) => value))}\n`;
}

/** The export's body, one chunk per batch, pulled only as fast as the client reads. */
export async function* ledgerExportChunks(
  batches: AsyncIterable<EntryRecord[]>,
  format: LedgerExportFormat,
): AsyncGenerator<string> {
  if (format === 'csv') {
    yield* csvChunks(LEDGER_CSV_COLUMNS, csvRecords(batches));
    return;
  }
  for await (const batch of batches) yield batch.map(ledgerJsonLine).join('');
}

async function* csvRecords(batches: AsyncIterable<EntryRecord[]>): AsyncGenerator<CsvCell[]> {
  for await (const batch of batches) for (const e of batch) yield* ledgerCsvRecords(e);
}
