/**
 * Uploaded photos (listing images, dispute evidence) are decoded in full and re-encoded before they
 * are stored: a file that only starts like an image (a bare header, junk behind one, a truncated
 * one) is refused, so is one whose header claims more pixels than the limit (a decompression bomb),
 * and what is stored carries no metadata (EXIF with its GPS position, XMP, comments, ICC profile):
 * the pixels are turned upright by the EXIF orientation first, then written again in the format
 * they came in (JPEG, PNG or WebP). Decoding runs on libvips' threads (sharp is asynchronous), on
 * a body already bounded by the route's size limit, and gives up after a time limit.
 */
import sharp, { type Metadata } from 'sharp';

// Decoded images are not kept between uploads (libvips would cache them for re-use).
sharp.cache(false);

/** The photo formats taken (the caller has read the type from the bytes' magic numbers). */
export type ImageType = 'image/jpeg' | 'image/png' | 'image/webp';

export interface ImageLimits {
  /** Largest accepted width × height of the decoded image. */
  maxPixels: number;
  /** Longest a decode and re-encode may take. */
  timeoutSeconds: number;
}

export type SanitizedImage =
  | { ok: true; bytes: Buffer; width: number; height: number }
  | { ok: false; code: 'undecodable' | 'too-many-pixels'; detail: string };

const FORMATS: Record<ImageType, { sharp: 'jpeg' | 'png' | 'webp'; name: string }> = {
  'image/jpeg': { sharp: 'jpeg', name: 'JPEG' },
  'image/png': { sharp: 'png', name: 'PNG' },
  'image/webp': { sharp: 'webp', name: 'WebP' },
};

/** Quality of re-encoded lossy images: visually the same as a phone camera's output. */
const QUALITY = 90;

/**
 * The image's bytes decoded, turned upright and re-encoded without metadata in `type` (the format
 * its magic numbers said), with the real pixel size; or why it is refused.
 */
export async function sanitizeImage(
  bytes: Buffer,
  type: ImageType,
  limits: ImageLimits,
): Promise<SanitizedImage> {
  const format = FORMATS[type].sharp;
  // The header is read without the pixel limit, to tell the sender the size it claims.
  const open = (limitInputPixels: number | false) =>
    sharp(bytes, { failOn: 'error', limitInputPixels });
  let header: Metadata;
  try {
    header = await open(false).metadata();
  } catch (err) {
    return undecodable(type, err);
  }
  if (header.format !== format) return undecodable(type, `it reads as ${header.format}`);
  const pixels = header.width * header.height;
  if (pixels > limits.maxPixels)
    return {
      ok: false,
      code: 'too-many-pixels',
      detail: `The image is ${header.width}×${header.height} pixels; at most ${limits.maxPixels} pixels are accepted`,
    };
  try {
    const { data, info } = await open(limits.maxPixels)
      .autoOrient()
      .toFormat(format, format === 'png' ? {} : { quality: QUALITY })
      .timeout({ seconds: limits.timeoutSeconds })
      .toBuffer({ resolveWithObject: true });
    return { ok: true, bytes: data, width: info.width, height: info.height };
  } catch (err) {
    return undecodable(type, err);
  }
}

function undecodable(type: ImageType, cause: unknown): SanitizedImage {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return {
    ok: false,
    code: 'undecodable',
    detail: `The body is not a whole ${FORMATS[type].name} image (${reason.split('\n')[0]!.trim()})`,
  };
}
