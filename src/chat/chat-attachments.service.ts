/**
 * Chat attachments: an image or a video sent to a room as a message of kind `attachment`, and its
 * download by the room's members and staff. The type is read from the bytes (the form's claim is
 * ignored); an image is decoded in full (pixel limit), re-encoded without metadata (EXIF with its
 * GPS position is gone) and given a JPEG thumbnail; a video must be a whole MP4 or WebM container
 * (src/common/media). Files are stored through the storage port before the message is committed;
 * a duplicate send (same client message id) deletes the new copy and answers with the first.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Inject, Injectable, Logger } from '@nestjs/common';
import sharp from 'sharp';
import { AppProblem } from '../common/errors/problem.js';
import { mediaProblem } from '../common/media/media-problem.js';
import { sanitizeImage } from '../common/media/image-sanitizer.js';
import { probeVideo } from '../common/media/video-probe.js';
import type { RequestMeta } from '../common/request-meta.js';
import { isStaff } from '../common/roles.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { detectMediaType, isVideo } from '../common/media/media-type.js';
import { contentRange, matchesEtag, selectRange } from '../storage/http-object.js';
import { ObjectRangeError, ObjectStorage } from '../storage/object-storage.js';
import { attachmentTooLarge, type AttachmentForm } from './attachment-body.parser.js';
import { ChatService, type RoomRef } from './chat.service.js';
import { CLIENT_MESSAGE_ID, type SendResultDto } from './dto/chat.dto.js';

/** The longest side of an image's thumbnail, in pixels. */
export const THUMBNAIL_SIZE = 320;
const MAX_AGE_SECONDS = 300;

const unsupported = (detail: string) =>
  new AppProblem(415, 'chat-attachment/unsupported-type', 'Unsupported attachment', detail);
const attachmentNotFound = () =>
  new AppProblem(404, 'chat-attachment/not-found', 'Not found', 'This message has no attachment');
const storageUnavailable = () =>
  new AppProblem(
    503,
    'storage/unavailable',
    'Storage unavailable',
    'The attachment store did not answer; try again',
    {},
    { 'retry-after': '5' },
  );

export interface AttachmentDownload {
  status: 200 | 206 | 304;
  headers: Record<string, string>;
  body: Readable | null;
}

@Injectable()
export class ChatAttachments {
  private readonly logger = new Logger(ChatAttachments.name);

  constructor(
    private readonly chat: ChatService,
    private readonly storage: ObjectStorage,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Sends the form's file to the room (a member, or staff who may send): a message of kind `attachment`. */
  async send(meta: RequestMeta, ref: RoomRef, form: unknown): Promise<SendResultDto> {
    const f = (form ?? {}) as AttachmentForm;
    if (!Buffer.isBuffer(f.file) || f.file.length === 0)
      throw unsupported(
        'Send multipart/form-data with a "file" part (JPEG, PNG, WebP, MP4 or WebM) and a "clientMessageId" field',
      );
    if (typeof f.clientMessageId !== 'string' || !CLIENT_MESSAGE_ID.test(f.clientMessageId))
      throw new AppProblem(
        400,
        'chat-attachment/bad-form',
        'Bad upload',
        'clientMessageId must be 1–64 of A-Z a-z 0-9 . _ : -',
      );
    const caption = f.caption ?? '';
    if ([...caption].length > this.config.chat.messageMaxChars)
      throw new AppProblem(
        413,
        'chat/message-too-long',
        'Caption too long',
        'The caption is too long',
        {
          maxChars: this.config.chat.messageMaxChars,
        },
      );
    // A stranger is refused before the file is looked at.
    const { room } = await this.chat.enter(meta, ref, 'create');
    const type = detectMediaType(f.file);
    if (type === null) throw unsupported('The file is not a JPEG, PNG, WebP, MP4 or WebM file');
    const video = isVideo(type);
    const max = video ? this.config.chat.videoMaxBytes : this.config.chat.imageMaxBytes;
    if (f.file.length > max) throw attachmentTooLarge(max, video ? 'video' : 'image');
    const { file, thumbnail } = await this.readWhole(f.file, type);

    const key = `chat/${room.id}/${randomUUID()}`;
    const thumbnailKey = thumbnail === null ? null : `${key}-thumbnail`;
    try {
      await this.storage.put(key, file, type);
      if (thumbnailKey !== null) await this.storage.put(thumbnailKey, thumbnail!, 'image/jpeg');
    } catch (err) {
      this.logger.error({ err, key }, 'storing a chat attachment failed');
      await this.discard(key, thumbnailKey);
      throw storageUnavailable();
    }
    let result: SendResultDto;
    try {
      result = await this.chat.send(meta, ref, {
        clientMessageId: f.clientMessageId,
        body: caption,
        attachment: {
          key,
          type,
          bytes: file.length,
          sha256: createHash('sha256').update(file).digest('hex'),
          thumbnailKey,
        },
      });
    } catch (err) {
      await this.discard(key, thumbnailKey);
      throw err;
    }
    if (result.duplicate) await this.discard(key, thumbnailKey);
    return result;
  }

  /**
   * The attachment (or an image's thumbnail) of a message the caller may read (anyone else 404; a
   * hidden message's only to staff): ETag (If-None-Match → 304), private caching, one byte range
   * (→ 206 with Content-Range; past the end → 416), as the dispute evidence download.
   */
  async download(
    meta: RequestMeta,
    messageId: string,
    thumbnail: boolean,
    request: { range?: string; ifRange?: string; ifNoneMatch?: string },
  ): Promise<AttachmentDownload> {
    const row = await this.chat.readableMessage(meta, messageId);
    const key = thumbnail ? row.thumbnail_key : row.attachment_key;
    if (key === null || (row.hidden_at !== null && !isStaff(meta.principal!.role)))
      throw attachmentNotFound();
    const headers: Record<string, string> = {
      'cache-control': `private, max-age=${MAX_AGE_SECONDS}`,
      'content-disposition': 'inline',
      'accept-ranges': 'bytes',
    };
    if (thumbnail) {
      const object = await this.read(key);
      return {
        status: 200,
        headers: { ...headers, 'content-type': 'image/jpeg' },
        body: object.body,
      };
    }
    const etag = `"${row.attachment_sha256!}"`;
    headers.etag = etag;
    if (matchesEtag(request.ifNoneMatch, etag)) return { status: 304, headers, body: null };
    const size = row.attachment_bytes!;
    const selected = selectRange(request.range, request.ifRange, etag, size);
    if (selected.kind === 'unsatisfiable')
      throw new AppProblem(
        416,
        'chat-attachment/range-not-satisfiable',
        'Range not satisfiable',
        `The file has ${size} bytes`,
        { byteSize: size },
        { 'content-range': contentRange(size), 'accept-ranges': 'bytes' },
      );
    const range = selected.kind === 'partial' ? selected : undefined;
    const object = await this.read(key, range);
    headers['content-type'] = row.attachment_type!;
    headers['content-length'] = String(range ? range.end - range.start + 1 : size);
    if (range) headers['content-range'] = contentRange(size, range);
    return { status: range ? 206 : 200, headers, body: object.body };
  }

  private async read(key: string, range?: { start: number; end: number }) {
    let object;
    try {
      object = await this.storage.get(key, range);
    } catch (err) {
      if (err instanceof ObjectRangeError) throw attachmentNotFound();
      this.logger.error({ err, key }, 'reading a chat attachment failed');
      throw storageUnavailable();
    }
    if (!object) {
      this.logger.error({ key }, 'chat attachment row without its object');
      throw attachmentNotFound();
    }
    return object;
  }

  /** The file as stored: a video probed whole; an image decoded, re-encoded bare, and its thumbnail. */
  private async readWhole(
    bytes: Buffer,
    type: NonNullable<ReturnType<typeof detectMediaType>>,
  ): Promise<{ file: Buffer; thumbnail: Buffer | null }> {
    if (isVideo(type)) {
      const probe = probeVideo(bytes, type);
      if (!probe.ok) throw mediaProblem(probe);
      return { file: bytes, thumbnail: null };
    }
    const image = await sanitizeImage(bytes, type, {
      maxPixels: this.config.media.imageMaxPixels,
      timeoutSeconds: this.config.media.decodeTimeoutSeconds,
    });
    if (!image.ok) throw mediaProblem(image);
    const thumbnail = await sharp(image.bytes)
      .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
      .jpeg({ quality: 80 })
      .toBuffer();
    return { file: image.bytes, thumbnail };
  }

  private async discard(key: string, thumbnailKey: string | null): Promise<void> {
    for (const k of [key, thumbnailKey])
      if (k !== null)
        await this.storage.delete(k).catch((err: unknown) => {
          this.logger.warn({ err, key: k }, 'deleting an unused chat attachment failed');
        });
  }
}
