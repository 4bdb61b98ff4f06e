/**
 * What an uploaded listing image is, read from its bytes: the format from its magic numbers (a
 * request's Content-Type is only a claim) and its pixel size from the header (PNG IHDR, JPEG SOFn,
 * WebP VP8/VP8L/VP8X), without decoding the image.
 */

export const IMAGE_CONTENT_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;
export type ImageContentType = (typeof IMAGE_CONTENT_TYPES)[number];

/** Largest accepted width or height: beyond any phone camera, below decompression-bomb sizes. */
export const MAX_IMAGE_SIDE = 16_384;

export type ImageInspection =
  | { ok: true; contentType: ImageContentType; width: number; height: number }
  | { ok: false; code: 'unknown-format' | 'unreadable' | 'too-many-pixels'; detail: string };

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const startsWith = (b: Uint8Array, bytes: number[], at = 0): boolean =>
  b.length >= at + bytes.length && bytes.every((v, i) => b[at + i] === v);
const ascii = (b: Uint8Array, at: number, text: string): boolean =>
  startsWith(
    b,
    [...text].map((c) => c.charCodeAt(0)),
    at,
  );
const u16be = (b: Uint8Array, at: number): number => (b[at]! << 8) | b[at + 1]!;
const u16le = (b: Uint8Array, at: number): number => b[at]! | (b[at + 1]! << 8);
const u24le = (b: Uint8Array, at: number): number =>
  b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16);
const u32be = (b: Uint8Array, at: number): number =>
  ((b[at]! << 24) >>> 0) + ((b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!);

/** The format by magic number, or null when the bytes are not a JPEG, PNG or WebP file. */
export function detectImageType(b: Uint8Array): ImageContentType | null {
  if (startsWith(b, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(b, PNG_SIGNATURE)) return 'image/png';
  if (ascii(b, 0, 'RIFF') && ascii(b, 8, 'WEBP')) return 'image/webp';
  return null;
}

type Size = { width: number; height: number } | null;

function pngSize(b: Uint8Array): Size {
  // Signature, then the IHDR chunk first: length (4), "IHDR", width (4), height (4).
  if (b.length < 24 || !ascii(b, 12, 'IHDR')) return null;
  return { width: u32be(b, 16), height: u32be(b, 20) };
}

/** SOF0–SOF15 carry the frame size, except DHT (C4), JPG (C8) and DAC (CC). */
const isStartOfFrame = (m: number): boolean =>
  m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

function jpegSize(b: Uint8Array): Size {
  let i = 2;
  while (i + 3 < b.length) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1]!;
    if (marker === 0xff) {
      i += 1; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2; // no length
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return null; // end of image / scan before any frame
    const length = u16be(b, i + 2);
    if (length < 2) return null;
    if (isStartOfFrame(marker)) {
      if (i + 9 > b.length) return null;
      return { height: u16be(b, i + 5), width: u16be(b, i + 7) };
    }
    i += 2 + length;
  }
  return null;
}

function webpSize(b: Uint8Array): Size {
  if (b.length < 30) return null;
  if (ascii(b, 12, 'VP8 ')) {
    // Frame tag (3 bytes) at 20, start code 9D 01 2A, then 14-bit width and height.
    if (!startsWith(b, [0x9d, 0x01, 0x2a], 23)) return null;
    return { width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff };
  }
  if (ascii(b, 12, 'VP8L')) {
    if (b[20] !== 0x2f) return null;
    const [b0, b1, b2, b3] = [b[21]!, b[22]!, b[23]!, b[24]!];
    return {
      width: 1 + (b0 | ((b1 & 0x3f) << 8)),
      height: 1 + ((b1 >> 6) | (b2 << 2) | ((b3 & 0x0f) << 10)),
    };
  }
  if (ascii(b, 12, 'VP8X')) return { width: 1 + u24le(b, 24), height: 1 + u24le(b, 27) };
  return null;
}

const NAMES: Record<ImageContentType, string> = {
  'image/jpeg': 'JPEG',
  'image/png': 'PNG',
  'image/webp': 'WebP',
};

/** The format and pixel size of an image, or why it is not one this platform accepts. */
export function inspectImage(bytes: Uint8Array): ImageInspection {
  const contentType = detectImageType(bytes);
  if (contentType === null)
    return {
      ok: false,
      code: 'unknown-format',
      detail: 'The body is not a JPEG, PNG or WebP image',
    };
  const size =
    contentType === 'image/png'
      ? pngSize(bytes)
      : contentType === 'image/jpeg'
        ? jpegSize(bytes)
        : webpSize(bytes);
  if (size === null || size.width < 1 || size.height < 1)
    return {
      ok: false,
      code: 'unreadable',
      detail: `The ${NAMES[contentType]} image's header is damaged or truncated`,
    };
  if (size.width > MAX_IMAGE_SIDE || size.height > MAX_IMAGE_SIDE)
    return {
      ok: false,
      code: 'too-many-pixels',
      detail: `The image is ${size.width}×${size.height} pixels; at most ${MAX_IMAGE_SIDE} per side are accepted`,
    };
  return { ok: true, contentType, ...size };
}

/** The media type of a Content-Type header value (`image/PNG; x=y` → `image/png`). */
export function mediaTypeOf(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

export const imageFormatName = (t: ImageContentType): string => NAMES[t];
