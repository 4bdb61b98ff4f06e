/**
 * Photos and videos of a repair job: its customer attaches them (the device, the damage) while the
 * job is neither closed nor cancelled, at most REPAIR_MEDIA_MAX per job, with the checks every raw
 * media upload gets (src/common/media/media-upload.ts: type from the bytes, size limits, a photo
 * re-encoded upright without metadata, a video's container whole). Files are stored through the
 * storage port, then recorded (the object is removed if that fails). The job's customer, its
 * current technician and staff who may read repair jobs list and download them; anyone else,
 * a reassigned-away technician included, gets the job's 404.
 */
import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { defineAbilityFor } from '../access/ability.factory.js';
import { AppProblem } from '../common/errors/problem.js';
import { acceptMediaUpload } from '../common/media/media-upload.js';
import { MEDIA_EXTENSIONS } from '../common/media/media-type.js';
import type { RequestMeta } from '../common/request-meta.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { TransactionRunner } from '../database/transaction.js';
import {
  downloadFile,
  type FileDownload,
  type FileRequest,
  storageUnavailable,
} from '../storage/file-download.js';
import { ObjectStorage } from '../storage/object-storage.js';
import type { RepairMediaDto } from './dto/repair-job.dto.js';
import { repairMediaTooLarge } from './repair-media-body.parser.js';
import {
  insertMediaIn,
  mediaCountOf,
  mediaIn,
  mediaOf,
  repairMediaDto,
} from './repair-media-store.js';
import {
  lockRepairJob,
  readRepairJob,
  repairJobNotFound,
  type RepairJobRow,
} from './repair-job-store.js';

/** How long the readers' own caches keep a file (the bytes of a media id never change). */
const MEDIA_MAX_AGE_SECONDS = 3600;

const mediaNotFound = () =>
  new AppProblem(404, 'repair-media/not-found', 'Not found', 'No such file of this repair job');

@Injectable()
export class RepairMedia {
  private readonly logger = new Logger(RepairMedia.name);

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly storage: ObjectStorage,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The customer adds a photo or video (the raw body) to the job: the file as recorded. */
  async add(
    id: string,
    contentType: string | undefined,
    body: unknown,
    meta: RequestMeta,
  ): Promise<RepairMediaDto> {
    const customerId = meta.principal!.userId;
    await this.transactions.run(async (tx) =>
      this.assertOpen(tx, await readRepairJob(tx, id, { customerId })),
    );
    const file = await acceptMediaUpload(
      'repair-media',
      contentType,
      body,
      { ...this.config.repairs.media, ...this.config.media },
      repairMediaTooLarge,
    );
    const mediaId = randomUUID();
    const key = `repairs/${id}/${mediaId}`;
    try {
      await this.storage.put(key, file.bytes, file.type);
    } catch (err) {
      this.logger.error({ err, key }, 'storing repair media failed');
      await this.discard(key);
      throw storageUnavailable();
    }
    try {
      const row = await this.transactions.run(async (tx) => {
        await this.assertOpen(tx, await lockRepairJob(tx, id, { customerId }));
        return insertMediaIn(tx, {
          id: mediaId,
          repair_job_id: id,
          storage_key: key,
          content_type: file.type,
          byte_size: file.bytes.length,
          sha256: file.sha256,
          uploaded_by: customerId,
        });
      });
      return repairMediaDto(row);
    } catch (err) {
      await this.discard(key);
      throw err;
    }
  }

  /** The job's files, oldest first. */
  async list(id: string, meta: RequestMeta): Promise<RepairMediaDto[]> {
    return this.transactions.run(async (tx) => {
      await this.readable(tx, id, meta);
      return (await mediaOf(tx, id)).map(repairMediaDto);
    });
  }

  /** One file's bytes (validators, one byte range: src/storage/file-download.ts). */
  async download(
    id: string,
    mediaId: string,
    request: FileRequest,
    meta: RequestMeta,
  ): Promise<FileDownload> {
    const row = await this.transactions.run(async (tx) => {
      await this.readable(tx, id, meta);
      return mediaIn(tx, id, mediaId);
    });
    if (row === undefined) throw mediaNotFound();
    return downloadFile(
      this.storage,
      this.logger,
      {
        key: row.storage_key,
        contentType: row.content_type,
        byteSize: row.byte_size,
        sha256: row.sha256,
        filename: `repair-media-${row.id}.${MEDIA_EXTENSIONS[row.content_type]}`,
      },
      request,
      { prefix: 'repair-media', maxAgeSeconds: MEDIA_MAX_AGE_SECONDS, notFound: mediaNotFound },
    );
  }

  /** The job for its customer, its current technician or staff who read repair jobs; else 404. */
  private async readable(tx: EntityManager, id: string, meta: RequestMeta): Promise<RepairJobRow> {
    const p = meta.principal!;
    const job = await readRepairJob(tx, id, 'any');
    const ability = defineAbilityFor(p);
    if (
      job.customer_id === p.userId ||
      (job.technician_id === p.userId && ability.can('read', 'RepairWork')) ||
      ability.can('read', 'RepairJob')
    )
      return job;
    throw repairJobNotFound();
  }

  /** 409 once the job is closed or cancelled, or holds REPAIR_MEDIA_MAX files. */
  private async assertOpen(tx: EntityManager, job: RepairJobRow): Promise<void> {
    if (job.status === 'closed' || job.status === 'cancelled')
      throw new AppProblem(
        409,
        'repair-media/job-closed',
        'Repair job closed',
        `The repair job is ${job.status}; files can no longer be added`,
        { jobStatus: job.status },
      );
    const max = this.config.repairs.media.maxFiles;
    if ((await mediaCountOf(tx, job.id)) >= max)
      throw new AppProblem(
        409,
        'repair-media/too-many',
        'Too many files',
        `A repair job may have at most ${max} photos and videos`,
        { max },
      );
  }

  private async discard(key: string): Promise<void> {
    try {
      await this.storage.delete(key);
    } catch (err) {
      this.logger.warn({ err, key }, 'removing unrecorded repair media failed');
    }
  }
}
