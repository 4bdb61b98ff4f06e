/**
 * Real, tiny images (written by ImageMagick 6, metadata stripped) and videos (written by ffmpeg) for
 * upload tests, with the pixel size each header declares; images made on the spot with sharp; and
 * files that only start like an image or a video, which uploads refuse. Identify the fixtures again
 * with `identify` / `ffprobe` after decoding the base64.
 */
import sharp from 'sharp';

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

/** Real videos of 0.4 s, 16×16 px, two frames (ffmpeg: H.264 in MP4, VP8 in WebM). */
export const TEST_VIDEOS = {
  /** The same as a fragmented MP4 (empty `moov`, samples in `moof` boxes), as live recorders write. */
  fragmentedMp4: {
    contentType: 'video/mp4',
    bytes: b64(
      'AAAAJGZ0eXBpc29tAAACAGlzb21pc282aXNvMmF2YzFtcDQxAAACwG1vb3YAAABsbXZoZAAAAAAAAAAAAAAAAAAAA+gAAAAAAAEAAAEAAAAAAAAAAAAAAAABAAAAAAAAAAAAAAAAAAAAAQAAAAAAAAAAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAIAAAHndHJhawAAAFx0a2hkAAAAAwAAAAAAAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABAAAAAAAAAAAAAAAAAAAAAQAAAAAAAAAAAAAAAAAAQAAAAAAQAAAAEAAAAAABg21kaWEAAAAgbWRoZAAAAAAAAAAAAAAAAAAAKAAAAAAAVcQAAAAAAC1oZGxyAAAAAAAAAAB2aWRlAAAAAAAAAAAAAAAAVmlkZW9IYW5kbGVyAAAAAS5taW5mAAAAFHZtaGQAAAABAAAAAAAAAAAAAAAkZGluZgAAABxkcmVmAAAAAAAAAAEAAAAMdXJsIAAAAAEAAADuc3RibAAAAKJzdHNkAAAAAAAAAAEAAACSYXZjMQAAAAAAAAABAAAAAAAAAAAAAAAAAAAAAAAQABAASAAAAEgAAAAAAAAAAQxMYXZjIGxpYngyNjQAAAAAAAAAAAAAAAAAAAAAAAAAABj//wAAACxhdmNDAULACv/hABVnQsAK2nsBEAAAAwAQAAADAKDxImoBAARozg/IAAAAEHBhc3AAAAABAAAAAQAAABBzdHRzAAAAAAAAAAAAAAAQc3RzYwAAAAAAAAAAAAAAFHN0c3oAAAAAAAAAAAAAAAAAAAAQc3RjbwAAAAAAAAAAAAAAKG12ZXgAAAAgdHJleAAAAAAAAAABAAAAAQAAAAAAAAAAAAAAAAAAAD11ZHRhAAAANW1ldGEAAAAAAAAAIWhkbHIAAAAAAAAAAG1kaXJhcHBsAAAAAAAAAAAAAAAACGlsc3QAAAB4bW9vZgAAABBtZmhkAAAAAAAAAAEAAABgdHJhZgAAACR0ZmhkAAAAOQAAAAEAAAAAAAAC5AAACAAAAAAXAQEAAAAAABR0ZmR0AQAAAAAAAAAAAAAAAAAAIHRydW4AAAIFAAAAAgAAAIACAAAAAAAAFwAAAAkAAAAobWRhdAAAABNliIQ6EYoAAjFxwABDyjgACAXgAAAABUGaID6UAAAAQ21mcmEAAAArdGZyYQEAAAAAAAABAAAAAAAAAAEAAAAAAAAAAAAAAAAAAALkAQEBAAAAEG1mcm8AAAAAAAAAQw==',
    ),
  },
  mp4: {
    contentType: 'video/mp4',
    bytes: b64(
      'AAAAIGZ0eXBpc29tAAACAGlzb21pc28yYXZjMW1wNDEAAAMEbW9vdgAAAGxtdmhkAAAAAAAAAAAAAAAAAAAD6AAAAZAAAQAAAQAAAAAAAAAAAAAAAAEAAAAAAAAAAAAAAAAAAAABAAAAAAAAAAAAAAAAAABAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAgAAAlN0cmFrAAAAXHRraGQAAAADAAAAAAAAAAAAAAABAAAAAAAAAZAAAAAAAAAAAAAAAAAAAAAAAAEAAAAAAAAAAAAAAAAAAAABAAAAAAAAAAAAAAAAAABAAAAAABAAAAAQAAAAAAAkZWR0cwAAABxlbHN0AAAAAAAAAAEAAAGQAAAAAAABAAAAAAHLbWRpYQAAACBtZGhkAAAAAAAAAAAAAAAAAAAoAAAAEABVxAAAAAAALWhkbHIAAAAAAAAAAHZpZGUAAAAAAAAAAAAAAABWaWRlb0hhbmRsZXIAAAABdm1pbmYAAAAUdm1oZAAAAAEAAAAAAAAAAAAAACRkaW5mAAAAHGRyZWYAAAAAAAAAAQAAAAx1cmwgAAAAAQAAATZzdGJsAAAAtnN0c2QAAAAAAAAAAQAAAKZhdmMxAAAAAAAAAAEAAAAAAAAAAAAAAAAAAAAAABAAEABIAAAASAAAAAAAAAABDExhdmMgbGlieDI2NAAAAAAAAAAAAAAAAAAAAAAAAAAAGP//AAAALGF2Y0MBQsAK/+EAFWdCwAraewEQAAADABAAAAMAoPEiagEABGjOD8gAAAAQcGFzcAAAAAEAAAABAAAAFGJ0cnQAAAAAAAACgAAAAoAAAAAYc3R0cwAAAAAAAAABAAAAAgAACAAAAAAUc3RzcwAAAAAAAAABAAAAAQAAABxzdHNjAAAAAAAAAAEAAAABAAAAAgAAAAEAAAAcc3RzegAAAAAAAAAAAAAAAgAAABcAAAAJAAAAFHN0Y28AAAAAAAAAAQAAAzQAAAA9dWR0YQAAADVtZXRhAAAAAAAAACFoZGxyAAAAAAAAAABtZGlyYXBwbAAAAAAAAAAAAAAAAAhpbHN0AAAACGZyZWUAAAAobWRhdAAAABNliIQ6EYoAAjFxwABDyjgACAXgAAAABUGaID6U',
    ),
  },
  webm: {
    contentType: 'video/webm',
    bytes: b64(
      'GkXfo59ChoEBQveBAULygQRC84EIQoKEd2VibUKHgQJChYECGFOAZwEAAAAAAAIUEU2bdLpNu4tTq4QVSalmU6yBoU27i1OrhBZUrmtTrIHYTbuMU6uEElTDZ1OsggEeTbuMU6uEHFO7a1OsggH+7AEAAAAAAABZAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAVSalmsirXsYMPQkBNgI1MYXZmNTkuMjcuMTAwV0GNTGF2ZjU5LjI3LjEwMESJiEB5AAAAAAAAFlSua8GuAQAAAAAAADjXgQFzxYhynEy2paKfF5yBACK1nIN1bmSIgQCGhVZfVlA4g4EBI+ODhAvrwgDgibCBELqBEJqBAhJUw2f9c3OgY8CAZ8iaRaOHRU5DT0RFUkSHjUxhdmY1OS4yNy4xMDBzc9djwItjxYhynEy2paKfF2fIoUWjh0VOQ09ERVJEh5RMYXZjNTkuMzcuMTAwIGxpYnZweGfIokWjiERVUkFUSU9ORIeUMDA6MDA6MDAuNDAwMDAwMDAwAAAfQ7Z12eeBAKO9gQAAgPACAJ0BKhAAEAAARwiFhYiFhIgCAgJ1qgP4A/oCDU0YAP79bvP/45k3MMT/jm3/8WE8DijI//FRAKOVgQDIALEBAAEQEAAYABhYL/QACAAAHFO7a5G7j7OBALeK94EB8YIBoPCBAw==',
    ),
  },
} as const;

/** A real image of `width`×`height` made by sharp, in the format of `contentType`. */
export function makeImage(
  contentType: 'image/jpeg' | 'image/png' | 'image/webp',
  width: number,
  height: number,
): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#3366cc' } })
    .toFormat(contentType.slice('image/'.length) as 'jpeg' | 'png' | 'webp')
    .toBuffer();
}

/** The EXIF tag that points to the GPS IFD (0x8825), as a TIFF of either byte order writes it. */
export const hasGpsTag = (exif: Buffer | undefined): boolean =>
  exif !== undefined &&
  (exif.includes(Buffer.from([0x88, 0x25])) || exif.includes(Buffer.from([0x25, 0x88])));

/**
 * A real JPEG of `width`×`height` whose EXIF carries a GPS position, the camera's make (`TestCam`)
 * and an orientation of 6 (shown turned 90° clockwise, so upright it is `height`×`width`).
 */
export function jpegWithGps(width = 4, height = 2): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#3366cc' } })
    .withExif({
      IFD0: { Make: 'TestCam' },
      IFD3: {
        GPSLatitudeRef: 'N',
        GPSLatitude: '12/1 58/1 0/1',
        GPSLongitudeRef: 'E',
        GPSLongitude: '77/1 35/1 0/1',
      },
    })
    .withMetadata({ orientation: 6 })
    .jpeg()
    .toBuffer();
}

/** A PNG whose header claims `width`×`height` (its pixel data is a 5×4 image's). */
export function pngClaiming(width: number, height: number): Buffer {
  const png = Buffer.from(TEST_IMAGES.png.bytes);
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  return png;
}

/** Files that start like an image or a video but are none, with the type they claim. */
export const NOT_MEDIA = {
  barePngHeader: { contentType: 'image/png', bytes: TEST_IMAGES.png.bytes.subarray(0, 8) },
  pngClaiming2e31: { contentType: 'image/png', bytes: pngClaiming(2 ** 31, 2 ** 31) },
  junkAfterWebpHeader: {
    contentType: 'image/webp',
    bytes: Buffer.concat([TEST_IMAGES.webp.bytes.subarray(0, 20), Buffer.alloc(200, 0x5a)]),
  },
  truncatedJpeg: {
    contentType: 'image/jpeg',
    bytes: TEST_IMAGES.jpeg.bytes.subarray(0, TEST_IMAGES.jpeg.bytes.length - 40),
  },
  bareMp4Header: {
    contentType: 'video/mp4',
    bytes: Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisom'), Buffer.alloc(12)]),
  },
  truncatedMp4: { contentType: 'video/mp4', bytes: TEST_VIDEOS.mp4.bytes.subarray(0, 600) },
  bareWebmHeader: {
    contentType: 'video/webm',
    bytes: TEST_VIDEOS.webm.bytes.subarray(0, 40),
  },
} as const;
