/** The SQL of a repair job's photos and videos (`repair_job_media`). */
import type { EntityManager } from 'typeorm';
import type { MediaContentType } from '../common/media/media-type.js';
import { execute } from '../database/sql.js';
import type { RepairMediaDto } from './dto/repair-job.dto.js';

export interface RepairMediaRow {
  id: string;
  repair_job_id: string;
  storage_key: string;
  content_type: MediaContentType;
  byte_size: number;
  sha256: string;
  uploaded_by: string;
  created_at: Date;
}

const COLUMNS = `id::text AS id, repair_job_id::text AS repair_job_id, storage_key, content_type,
  byte_size, sha256, uploaded_by::text AS uploaded_by, created_at`;

/** The path the job's customer, technician and staff download a file from. */
export const repairMediaUrl = (jobId: string, mediaId: string): string =>
  `/repairs/${jobId}/media/${mediaId}`;

export const repairMediaDto = (r: RepairMediaRow): RepairMediaDto => ({
  id: r.id,
  repairJobId: r.repair_job_id,
  contentType: r.content_type,
  byteSize: r.byte_size,
  sha256: r.sha256,
  uploadedBy: r.uploaded_by,
  createdAt: r.created_at.toISOString(),
  url: repairMediaUrl(r.repair_job_id, r.id),
});

export async function mediaCountOf(tx: EntityManager, jobId: string): Promise<number> {
  const { rows } = await execute<{ n: number }>(
    tx,
    `SELECT count(*)::int AS n FROM repair_job_media WHERE repair_job_id = $1`,
    [jobId],
  );
  return rows[0]!.n;
}

/** The job's files, oldest first. */
export async function mediaOf(tx: EntityManager, jobId: string): Promise<RepairMediaRow[]> {
  const { rows } = await execute<RepairMediaRow>(
    tx,
    `SELECT ${COLUMNS} FROM repair_job_media WHERE repair_job_id = $1 ORDER BY created_at, id`,
    [jobId],
  );
  return rows;
}

export async function mediaIn(
  tx: EntityManager,
  jobId: string,
  mediaId: string,
): Promise<RepairMediaRow | undefined> {
  const { rows } = await execute<RepairMediaRow>(
    tx,
    `SELECT ${COLUMNS} FROM repair_job_media WHERE id = $1 AND repair_job_id = $2`,
    [mediaId, jobId],
  );
  return rows[0];
}

export async function insertMediaIn(
  tx: EntityManager,
  row: Omit<RepairMediaRow, 'created_at'>,
): Promise<RepairMediaRow> {
  const { rows } = await execute<RepairMediaRow>(
    tx,
    `INSERT INTO repair_job_media (id, repair_job_id, storage_key, content_type, byte_size, sha256, uploaded_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
    [
      row.id,
      row.repair_job_id,
      row.storage_key,
      row.content_type,
      row.byte_size,
      row.sha256,
      row.uploaded_by,
    ],
  );
  return rows[0]!;
}
