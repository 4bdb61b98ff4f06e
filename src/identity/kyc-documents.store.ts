/** The SQL of KYC documents (`kyc_documents`). */
import type { EntityManager } from 'typeorm';
import { execute } from '../database/sql.js';
import type { KycContentType, KycDocumentDto, KycDocumentKind } from './dto/kyc-document.dto.js';

export interface KycDocumentRow {
  id: string;
  user_id: string;
  kind: KycDocumentKind;
  storage_key: string;
  content_type: KycContentType;
  byte_size: number;
  sha256: string;
  uploaded_at: Date;
  superseded_at: Date | null;
}

const COLUMNS = `id::text AS id, user_id::text AS user_id, kind, storage_key, content_type,
  byte_size, sha256, uploaded_at, superseded_at`;

export const kycDocumentDto = (r: KycDocumentRow): KycDocumentDto => ({
  id: r.id,
  userId: r.user_id,
  kind: r.kind,
  contentType: r.content_type,
  byteSize: r.byte_size,
  sha256: r.sha256,
  uploadedAt: r.uploaded_at.toISOString(),
  supersededAt: r.superseded_at?.toISOString() ?? null,
  url: `/admin/approvals/${r.user_id}/documents/${r.id}`,
});

/** An account's documents, current ones first, then newest first. */
export async function kycDocumentsOf(tx: EntityManager, userId: string): Promise<KycDocumentRow[]> {
  const { rows } = await execute<KycDocumentRow>(
    tx,
    `SELECT ${COLUMNS} FROM kyc_documents WHERE user_id = $1
      ORDER BY superseded_at IS NOT NULL, kind, uploaded_at DESC, id`,
    [userId],
  );
  return rows;
}

export async function kycDocumentIn(
  tx: EntityManager,
  userId: string,
  id: string,
): Promise<KycDocumentRow | undefined> {
  const { rows } = await execute<KycDocumentRow>(
    tx,
    `SELECT ${COLUMNS} FROM kyc_documents WHERE id = $1 AND user_id = $2`,
    [id, userId],
  );
  return rows[0];
}

/**
 * Records `row` as the account's current document of its kind, superseding the previous one. The
 * account's row is locked first, so two uploads of one account take turns.
 */
export async function replaceKycDocumentIn(
  tx: EntityManager,
  row: Omit<KycDocumentRow, 'uploaded_at' | 'superseded_at'>,
): Promise<KycDocumentRow> {
  await execute(tx, `SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE`, [row.user_id]);
  await execute(
    tx,
    `UPDATE kyc_documents SET superseded_at = now()
      WHERE user_id = $1 AND kind = $2 AND superseded_at IS NULL`,
    [row.user_id, row.kind],
  );
  const { rows } = await execute<KycDocumentRow>(
    tx,
    `INSERT INTO kyc_documents (id, user_id, kind, storage_key, content_type, byte_size, sha256)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
    [row.id, row.user_id, row.kind, row.storage_key, row.content_type, row.byte_size, row.sha256],
  );
  return rows[0]!;
}
