/**
 * KYC documents of the accounts staff approve (dealers, business buyers, technicians): a GST
 * certificate, a PAN card and a shop photo, sent by the applicant as images (JPEG, PNG, WebP) with
 * the checks every raw media upload gets (src/common/media/media-upload.ts: type from the bytes,
 * size, decoded whole, re-encoded without metadata), or as a PDF, stored as sent once it is whole,
 * unencrypted and free of active content (src/common/media/pdf-check.ts); staff download a PDF as
 * an attachment, never shown inline. Stored through the storage port, then recorded
 * as the current document of its kind (the previous one kept, superseded; the object is removed if
 * recording fails). Applicants list their own (no bytes); staff who read the approval queue list
 * and download any applicant's.
 */
import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AppProblem } from '../common/errors/problem.js';
import { acceptMediaUpload, acceptPdfUpload } from '../common/media/media-upload.js';
import { MEDIA_EXTENSIONS, mediaTypeOf } from '../common/media/media-type.js';
import { PDF_CONTENT_TYPE } from '../common/media/pdf-check.js';
import type { RequestMeta } from '../common/request-meta.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { execute } from '../database/sql.js';
import { TransactionRunner } from '../database/transaction.js';
import {
  downloadFile,
  type FileDownload,
  type FileRequest,
  storageUnavailable,
} from '../storage/file-download.js';
import { ObjectStorage } from '../storage/object-storage.js';
import type { KycContentType, KycDocumentDto, KycDocumentKind } from './dto/kyc-document.dto.js';
import { kycDocumentTooLarge } from './kyc-document-body.parser.js';
import {
  kycDocumentDto,
  kycDocumentIn,
  kycDocumentsOf,
  replaceKycDocumentIn,
} from './kyc-documents.store.js';

/** How long staff's own caches keep a file (the bytes of a document id never change). */
const DOCUMENT_MAX_AGE_SECONDS = 3600;

/** The file name extension of each type (the download's Content-Disposition names the file). */
const EXTENSIONS: Record<KycContentType, string> = {
  ...MEDIA_EXTENSIONS,
  [PDF_CONTENT_TYPE]: 'pdf',
};

const documentNotFound = () =>
  new AppProblem(404, 'kyc-document/not-found', 'Not found', 'No such KYC document');

@Injectable()
export class KycDocuments {
  private readonly logger = new Logger(KycDocuments.name);

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly storage: ObjectStorage,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The applicant's new document of `kind` (the raw body), now its current one: as recorded. */
  async upload(
    kind: KycDocumentKind,
    contentType: string | undefined,
    body: unknown,
    meta: RequestMeta,
  ): Promise<KycDocumentDto> {
    const userId = meta.principal!.userId;
    const { maxBytes } = this.config.kyc;
    const file =
      mediaTypeOf(contentType) === PDF_CONTENT_TYPE
        ? acceptPdfUpload('kyc-document', body, maxBytes, kycDocumentTooLarge)
        : await acceptMediaUpload(
            'kyc-document',
            contentType,
            body,
            // The body parser refuses videos on this route before they are read.
            { imageMaxBytes: maxBytes, videoMaxBytes: 0, ...this.config.media },
            kycDocumentTooLarge,
          );
    const id = randomUUID();
    const key = `kyc/${userId}/${id}`;
    try {
      await this.storage.put(key, file.bytes, file.type);
    } catch (err) {
      this.logger.error({ err, key }, 'storing a KYC document failed');
      await this.discard(key);
      throw storageUnavailable();
    }
    try {
      const row = await this.transactions.run((tx) =>
        replaceKycDocumentIn(tx, {
          id,
          user_id: userId,
          kind,
          storage_key: key,
          content_type: file.type as KycContentType,
          byte_size: file.bytes.length,
          sha256: file.sha256,
        }),
      );
      return kycDocumentDto(row);
    } catch (err) {
      await this.discard(key);
      throw err;
    }
  }

  /** The caller's own documents (current first, then replaced ones). */
  async mine(meta: RequestMeta): Promise<KycDocumentDto[]> {
    const userId = meta.principal!.userId;
    return this.transactions.run(async (tx) =>
      (await kycDocumentsOf(tx, userId)).map(kycDocumentDto),
    );
  }

  /** Staff: an applicant's documents; 404 when `userId` is no dealer, business buyer or technician. */
  async ofApplicant(userId: string): Promise<KycDocumentDto[]> {
    return this.transactions.run(async (tx) => {
      await this.assertApplicant(tx, userId);
      return (await kycDocumentsOf(tx, userId)).map(kycDocumentDto);
    });
  }

  /** Staff: one document's bytes (validators, one byte range: src/storage/file-download.ts). */
  async download(userId: string, id: string, request: FileRequest): Promise<FileDownload> {
    const row = await this.transactions.run((tx) => kycDocumentIn(tx, userId, id));
    if (row === undefined) throw documentNotFound();
    return downloadFile(
      this.storage,
      this.logger,
      {
        key: row.storage_key,
        contentType: row.content_type,
        byteSize: row.byte_size,
        sha256: row.sha256,
        filename: `${row.kind}-${row.id}.${EXTENSIONS[row.content_type]}`,
        // A PDF is a file to save, never a page the browser renders from the API's origin.
        disposition: row.content_type === PDF_CONTENT_TYPE ? 'attachment' : 'inline',
      },
      request,
      {
        prefix: 'kyc-document',
        maxAgeSeconds: DOCUMENT_MAX_AGE_SECONDS,
        notFound: documentNotFound,
      },
    );
  }

  private async assertApplicant(tx: EntityManager, userId: string): Promise<void> {
    const { rows } = await execute(
      tx,
      `SELECT 1 FROM users WHERE id = $1 AND role IN ('dealer', 'business', 'technician')`,
      [userId],
    );
    if (rows.length === 0)
      throw new AppProblem(
        404,
        'kyc-document/applicant-not-found',
        'Not found',
        'No dealer, business buyer or technician with this id',
      );
  }

  private async discard(key: string): Promise<void> {
    try {
      await this.storage.delete(key);
    } catch (err) {
      this.logger.warn({ err, key }, 'removing an unrecorded KYC document failed');
    }
  }
}
