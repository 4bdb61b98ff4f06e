/**
 * Real, tiny images (written by ImageMagick 6, metadata stripped) for upload tests, with the pixel
 * size each header declares. Identify them again with `identify` after decoding the base64.
 */
const b64 = (s: string): Buffer => Buffer.from(s, 'base64');

export const TEST_IMAGES = {
  /** Baseline JPEG (SOF0), 3×2. */
  jpeg: {
    contentType: 'image/jpeg',
    width: 3,
    height: 2,
    bytes: b64(
      '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAMCAgICAgMCAgIDAwMDBAYEBAQEBAgGBgUGCQgKCgkICQkKDA8MCgsOCwkJDRENDg8QEBEQCgwSExIQEw8QEBD/2wBDAQMDAwQDBAgEBAgQCwkLEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBD/wAARCAACAAMDAREAAhEBAxEB/8QAFAABAAAAAAAAAAAAAAAAAAAACP/EABQQAQAAAAAAAAAAAAAAAAAAAAD/xAAVAQEBAAAAAAAAAAAAAAAAAAAHCf/EABQRAQAAAAAAAAAAAAAAAAAAAAD/2gAMAwEAAhEDEQA/ADoDFU3/2Q==',
    ),
  },
  /** Progressive JPEG (SOF2), 3×2. */
  progressiveJpeg: {
    contentType: 'image/jpeg',
    width: 3,
    height: 2,
    bytes: b64(
      '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAMCAgICAgMCAgIDAwMDBAYEBAQEBAgGBgUGCQgKCgkICQkKDA8MCgsOCwkJDRENDg8QEBEQCgwSExIQEw8QEBD/2wBDAQMDAwQDBAgEBAgQCwkLEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBD/wgARCAACAAMDAREAAhEBAxEB/8QAFAABAAAAAAAAAAAAAAAAAAAAB//EABUBAQEAAAAAAAAAAAAAAAAAAAYI/9oADAMBAAIQAxAAAAE5C1T/AP/EABQQAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQEAAQUCf//EABQRAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQMBAT8Bf//EABQRAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQIBAT8Bf//EABQQAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQEABj8Cf//EABQQAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQEAAT8hf//aAAwDAQACAAMAAAAQ/wD/xAAUEQEAAAAAAAAAAAAAAAAAAAAA/9oACAEDAQE/EH//xAAUEQEAAAAAAAAAAAAAAAAAAAAA/9oACAECAQE/EH//xAAUEAEAAAAAAAAAAAAAAAAAAAAA/9oACAEBAAE/EH//2Q==',
    ),
  },
  /** PNG, 5×4. */
  png: {
    contentType: 'image/png',
    width: 5,
    height: 4,
    bytes: b64(
      'iVBORw0KGgoAAAANSUhEUgAAAAUAAAAEAQMAAAB8/WcDAAAAA1BMVEUAAP+KeNJXAAAAC0lEQVQI12NggAAAAAgAAS8g3TEAAAAASUVORK5CYII=',
    ),
  },
  /** Lossy WebP (VP8), 7×6. */
  webp: {
    contentType: 'image/webp',
    width: 7,
    height: 6,
    bytes: b64(
      'UklGRjgAAABXRUJQVlA4ICwAAADQAQCdASoHAAYAAgA0JaACdLoB+AADsAD+8Oj3/yC5YXXI1/5sCua5+agAAA==',
    ),
  },
  /** Lossless WebP (VP8L), 7×6. */
  losslessWebp: {
    contentType: 'image/webp',
    width: 7,
    height: 6,
    bytes: b64('UklGRiAAAABXRUJQVlA4TBQAAAAvBkABAAdQwIj+BwCC8L9tIqL/IQ=='),
  },
  /** Extended WebP with alpha (VP8X), 9×8. */
  extendedWebp: {
    contentType: 'image/webp',
    width: 9,
    height: 8,
    bytes: b64(
      'UklGRmAAAABXRUJQVlA4WAoAAAAQAAAACAAABwAAQUxQSAoAAAABB9C/iAhERP8DVlA4IDAAAAAQAgCdASoJAAgAAgA0JaACdLoB+AH4AAPIAP7mad/7WgODVf5n//vvhRHbr/MUAAA=',
    ),
  },
} as const;

/** A valid PNG grown to `size` bytes with trailing zeros (still a PNG by its header). */
export function pngOfSize(size: number): Buffer {
  const png = TEST_IMAGES.png.bytes;
  return Buffer.concat([png, Buffer.alloc(Math.max(0, size - png.length))]);
}
