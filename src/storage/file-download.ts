/**
 * Sending an uploaded file's bytes (dispute evidence, repair media) once the caller has been let
 * read it: validators first (If-None-Match on `"<sha256>"` → 304 without touching storage), then a
 * single byte range (206; 416 when it selects nothing; the rules of http-object.ts) or the whole
 * file, streamed from object storage (503 `storage/unavailable` when it does not answer; a row whose
 * object is missing or of another size is the route's 404). Headers are only decided once the bytes
 * are in hand, so an error answer never carries the file's caching headers.
 */
import type { Readable } from 'node:stream';
import type { Logger } from '@nestjs/common';
import { AppProblem } from '../common/errors/problem.js';
import { contentRange, matchesEtag, selectRange } from './http-object.js';
import { ObjectRangeError, type ObjectStorage } from './object-storage.js';

/** What the row of an uploaded file says of it. */
export interface StoredFile {
  key: string;
  contentType: string;
  byteSize: number;
  sha256: string;
  /** The name offered in Content-Disposition. */
  filename: string;
  /** `attachment` makes browsers save the file rather than show it (default `inline`). */
  disposition?: 'inline' | 'attachment';
}

/** The request headers a download answers to. */
export interface FileRequest {
  range?: string;
  ifRange?: string;
  ifNoneMatch?: string;
}

/** What the download route sends: 200 (whole), 206 (a range) or 304 (no body). */
export interface FileDownload {
  status: 200 | 206 | 304;
  headers: Record<string, string>;
  body: Readable | null;
}

export const storageUnavailable = () =>
  new AppProblem(
    503,
    'storage/unavailable',
    'Storage unavailable',
    'The file store did not answer; try again',
    {},
    { 'retry-after': '5' },
  );

export async function downloadFile(
  storage: ObjectStorage,
  logger: Logger,
  file: StoredFile,
  request: FileRequest,
  route: { prefix: string; maxAgeSeconds: number; notFound: () => AppProblem },
): Promise<FileDownload> {
  const etag = `"${file.sha256}"`;
  const size = file.byteSize;
  const validators = { etag, 'cache-control': `private, max-age=${route.maxAgeSeconds}` };
  if (matchesEtag(request.ifNoneMatch, etag))
    return { status: 304, headers: validators, body: null };
  const selected = selectRange(request.range, request.ifRange, etag, size);
  if (selected.kind === 'unsatisfiable')
    throw new AppProblem(
      416,
      `${route.prefix}/range-not-satisfiable`,
      'Range not satisfiable',
      `The file has ${size} bytes`,
      { byteSize: size },
      { 'content-range': contentRange(size), 'accept-ranges': 'bytes' },
    );
  const range = selected.kind === 'partial' ? selected : undefined;
  const length = range ? range.end - range.start + 1 : size;
  const { key } = file;
  let object;
  try {
    object = await storage.get(key, range && { start: range.start, end: range.end });
  } catch (err) {
    if (!(err instanceof ObjectRangeError)) {
      logger.error({ err, key }, 'reading a stored file failed');
      throw storageUnavailable();
    }
    object = null;
  }
  if (object && object.contentLength !== null && object.contentLength !== length) {
    object.body.destroy();
    object = null;
  }
  if (!object) {
    logger.error({ key, byteSize: size }, 'file row without its whole object');
    throw route.notFound();
  }
  return {
    status: range ? 206 : 200,
    headers: {
      ...validators,
      'content-type': file.contentType,
      'content-length': String(length),
      ...(range ? { 'content-range': contentRange(size, range) } : {}),
      'accept-ranges': 'bytes',
      'x-content-type-options': 'nosniff',
      'content-disposition': `${file.disposition ?? 'inline'}; filename="${file.filename}"`,
    },
    body: object.body,
  };
}
