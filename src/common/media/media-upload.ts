/**
 * The checks of a raw photo or video upload (dispute evidence, repair media), in order: a body at
 * all, a Content-Type among the accepted ones, within the photo or video size limit, bytes whose
 * magic numbers say that same type; then the file is read whole: a photo decoded and re-encoded
 * (upright, no metadata: EXIF with its GPS position is gone), a video's container probed complete.
 * Refusals are problems under the route's own code prefix (`<prefix>/unsupported-type` 415,
 * the route's 413) or the shared 422 `media/*`. A PDF (KYC documents only) is checked by
 * `acceptPdfUpload` and stored as sent.
 */
import { createHash } from 'node:crypto';
import { AppProblem } from '../errors/problem.js';
import { sanitizeImage } from './image-sanitizer.js';
import { mediaProblem } from './media-problem.js';
import { checkPdf, PDF_CONTENT_TYPE } from './pdf-check.js';
import {
  detectMediaType,
  isMediaType,
  isVideo,
  MEDIA_CONTENT_TYPES,
  type MediaContentType,
  mediaTypeOf,
} from './media-type.js';
import { probeVideo } from './video-probe.js';

export interface MediaUploadLimits {
  imageMaxBytes: number;
  videoMaxBytes: number;
  /** MEDIA_IMAGE_MAX_PIXELS and MEDIA_DECODE_TIMEOUT_SECONDS. */
  imageMaxPixels: number;
  decodeTimeoutSeconds: number;
}

/** A file ready to store: its type (from its bytes), the bytes to keep and their SHA-256 (hex). */
export interface AcceptedMedia {
  type: MediaContentType;
  bytes: Buffer;
  sha256: string;
}

const ACCEPTED = MEDIA_CONTENT_TYPES.join(', ');

/**
 * The upload as it is to be stored, or the problem refusing it (`tooLarge` is the route's 413, the
 * same the body parser answers when it reads the body).
 */
export async function acceptMediaUpload(
  prefix: string,
  contentType: string | undefined,
  body: unknown,
  limits: MediaUploadLimits,
  tooLarge: (maxBytes: number, kind: 'photo' | 'video') => AppProblem,
): Promise<AcceptedMedia> {
  const unsupported = (detail: string, extensions: Record<string, unknown> = {}) =>
    new AppProblem(415, `${prefix}/unsupported-type`, 'Unsupported file', detail, extensions);
  const declared = mediaTypeOf(contentType);
  if (!Buffer.isBuffer(body) || body.length === 0)
    throw unsupported(
      `Send the file's bytes as the request body with Content-Type ${ACCEPTED}` +
        (declared ? ` (got ${declared})` : ''),
    );
  if (!isMediaType(declared))
    throw unsupported(`Content-Type ${declared} is not accepted; send ${ACCEPTED}`);
  const video = isVideo(declared);
  const max = video ? limits.videoMaxBytes : limits.imageMaxBytes;
  if (body.length > max) throw tooLarge(max, video ? 'video' : 'photo');
  const detected = detectMediaType(body);
  if (detected === null)
    throw unsupported(`The body is not a ${ACCEPTED} file`, { declaredType: declared });
  if (detected !== declared)
    throw unsupported(`The body is ${detected} but was sent as ${declared}`, {
      detectedType: detected,
    });
  const bytes = await readWhole(body, detected, limits);
  return { type: detected, bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** A video as sent once its container reads whole; a photo decoded and re-encoded bare. */
async function readWhole(
  body: Buffer,
  type: MediaContentType,
  limits: MediaUploadLimits,
): Promise<Buffer> {
  if (isVideo(type)) {
    const video = probeVideo(body, type);
    if (!video.ok) throw mediaProblem(video);
    return body;
  }
  const image = await sanitizeImage(body, type, {
    maxPixels: limits.imageMaxPixels,
    timeoutSeconds: limits.decodeTimeoutSeconds,
  });
  if (!image.ok) throw mediaProblem(image);
  return image.bytes;
}

/**
 * A PDF upload (a route that takes PDFs: KYC documents): a body, within `maxBytes`, a PDF by its
 * header, whole, not encrypted and without active content (pdf-check.ts); kept as sent.
 */
export function acceptPdfUpload(
  prefix: string,
  body: unknown,
  maxBytes: number,
  tooLarge: (maxBytes: number, kind: 'document') => AppProblem,
): { type: typeof PDF_CONTENT_TYPE; bytes: Buffer; sha256: string } {
  if (!Buffer.isBuffer(body) || body.length === 0)
    throw new AppProblem(
      415,
      `${prefix}/unsupported-type`,
      'Unsupported file',
      `Send the file's bytes as the request body with Content-Type ${PDF_CONTENT_TYPE}`,
    );
  if (body.length > maxBytes) throw tooLarge(maxBytes, 'document');
  const checked = checkPdf(body);
  if (!checked.ok) {
    if (checked.code !== 'not-pdf') throw mediaProblem(checked);
    const detected = detectMediaType(body);
    throw new AppProblem(
      415,
      `${prefix}/unsupported-type`,
      'Unsupported file',
      detected
        ? `The body is ${detected} but was sent as ${PDF_CONTENT_TYPE}`
        : `The body is not a PDF file (${checked.detail})`,
      detected ? { detectedType: detected } : { declaredType: PDF_CONTENT_TYPE },
    );
  }
  return {
    type: PDF_CONTENT_TYPE,
    bytes: body,
    sha256: createHash('sha256').update(body).digest('hex'),
  };
}
