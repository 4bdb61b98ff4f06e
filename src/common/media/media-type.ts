/**
 * What an uploaded photo or video (listing images, dispute evidence, chat attachments, repair
 * media) claims to be, read from its magic numbers (a request's Content-Type is only a claim):
 * photos JPEG, PNG, WebP; videos MP4 (an ISO BMFF `ftyp` box first) and WebM (an EBML header whose
 * DocType is `webm`). Whether the file is whole, and an image's pixel size, is known only once it
 * is decoded or probed (image-sanitizer.ts, video-probe.ts).
 */

export const IMAGE_CONTENT_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;
export type ImageContentType = (typeof IMAGE_CONTENT_TYPES)[number];

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const startsWith = (b: Uint8Array, bytes: number[], at = 0): boolean =>
  b.length >= at + bytes.length && bytes.every((v, i) => b[at + i] === v);
const ascii = (b: Uint8Array, at: number, text: string): boolean =>
  startsWith(
    b,
    [...text].map((c) => c.charCodeAt(0)),
    at,
  );

/** The format by magic number, or null when the bytes are not a JPEG, PNG or WebP file. */
export function detectImageType(b: Uint8Array): ImageContentType | null {
  if (startsWith(b, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(b, PNG_SIGNATURE)) return 'image/png';
  if (ascii(b, 0, 'RIFF') && ascii(b, 8, 'WEBP')) return 'image/webp';
  return null;
}

const NAMES: Record<ImageContentType, string> = {
  'image/jpeg': 'JPEG',
  'image/png': 'PNG',
  'image/webp': 'WebP',
};

/** The media type of a Content-Type header value (`image/PNG; x=y` → `image/png`). */
export function mediaTypeOf(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

export const imageFormatName = (t: ImageContentType): string => NAMES[t];

export const VIDEO_CONTENT_TYPES = ['video/mp4', 'video/webm'] as const;
export type VideoContentType = (typeof VIDEO_CONTENT_TYPES)[number];
export const MEDIA_CONTENT_TYPES = [...IMAGE_CONTENT_TYPES, ...VIDEO_CONTENT_TYPES] as const;
export type MediaContentType = (typeof MEDIA_CONTENT_TYPES)[number];

/** The video format by magic number, or null. */
export function detectVideoType(b: Uint8Array): VideoContentType | null {
  if (ascii(b, 4, 'ftyp')) return 'video/mp4';
  if (b.length >= 4 && b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3) {
    // The DocType element (0x42 0x82) sits in the EBML header, within its first bytes.
    const head = Buffer.from(b.subarray(0, Math.min(b.length, 64))).toString('latin1');
    const at = head.indexOf('\x42\x82');
    if (at >= 0 && head.slice(at + 3, at + 7) === 'webm') return 'video/webm';
  }
  return null;
}

/** The photo or video format by magic number, or null when it is none of the accepted ones. */
export function detectMediaType(b: Uint8Array): MediaContentType | null {
  return detectImageType(b) ?? detectVideoType(b);
}

export const isVideo = (t: string): t is VideoContentType => t.startsWith('video/');

export const isMediaType = (t: string): t is MediaContentType =>
  (MEDIA_CONTENT_TYPES as readonly string[]).includes(t);

/** The file name extension of each type (a download's Content-Disposition names the file). */
export const MEDIA_EXTENSIONS: Record<MediaContentType, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'video/mp4': 'mp4',
  'video/webm': 'webm',
};

/** The OpenAPI `content` of a response carrying a photo or video's bytes. */
export const MEDIA_BINARY_CONTENT = Object.fromEntries(
  MEDIA_CONTENT_TYPES.map((t) => [t, { schema: { type: 'string', format: 'binary' } }]),
);
