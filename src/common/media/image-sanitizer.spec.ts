import sharp from 'sharp';
import {
  hasGpsTag,
  jpegWithGps,
  makeImage,
  NOT_MEDIA,
  pngClaiming,
  TEST_IMAGES,
} from '../../../test/support/test-images.js';
import { sanitizeImage } from './image-sanitizer.js';

const limits = { maxPixels: 40_000_000, timeoutSeconds: 10 };

describe('sanitizeImage', () => {
  it.each(Object.entries(TEST_IMAGES))(
    're-encodes a real %s file in its own format with its real size',
    async (_name, image) => {
      const out = await sanitizeImage(image.bytes, image.contentType, limits);
      expect(out).toMatchObject({ ok: true, width: image.width, height: image.height });
      const meta = await sharp(out.ok ? out.bytes : Buffer.alloc(0)).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual([
        image.contentType.slice('image/'.length),
        image.width,
        image.height,
      ]);
    },
  );

  it('stores no EXIF (GPS included), XMP or ICC, and turns the pixels upright first', async () => {
    const input = await jpegWithGps(4, 2);
    const before = await sharp(input).metadata();
    expect([hasGpsTag(before.exif), before.orientation]).toEqual([true, 6]);
    const out = await sanitizeImage(input, 'image/jpeg', limits);
    if (!out.ok) throw new Error(out.detail);
    // Orientation 6 is a quarter turn: the stored image is 2×4 and needs no turning.
    expect([out.width, out.height]).toEqual([2, 4]);
    const after = await sharp(out.bytes).metadata();
    expect(after).toMatchObject({ format: 'jpeg', width: 2, height: 4 });
    expect([after.exif, after.xmp, after.icc, after.orientation]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(out.bytes.includes(Buffer.from('TestCam'))).toBe(false);
  });

  it.each([
    ['a bare PNG header', NOT_MEDIA.barePngHeader],
    ['a PNG claiming 2^31 px a side', NOT_MEDIA.pngClaiming2e31],
    ['junk behind a WebP header', NOT_MEDIA.junkAfterWebpHeader],
    ['a truncated JPEG', NOT_MEDIA.truncatedJpeg],
  ] as const)('refuses %s as undecodable', async (_name, file) => {
    expect(await sanitizeImage(file.bytes, file.contentType, limits)).toMatchObject({
      ok: false,
      code: 'undecodable',
    });
  });

  it('refuses more pixels than the limit, by the header, before decoding', async () => {
    const refused = await sanitizeImage(pngClaiming(100_000, 100_000), 'image/png', limits);
    expect(refused).toMatchObject({ ok: false, code: 'too-many-pixels' });
    expect(!refused.ok && refused.detail).toContain('100000×100000');
    const image = await makeImage('image/webp', 100, 50);
    expect(await sanitizeImage(image, 'image/webp', { ...limits, maxPixels: 4999 })).toMatchObject({
      ok: false,
      code: 'too-many-pixels',
    });
    expect(await sanitizeImage(image, 'image/webp', { ...limits, maxPixels: 5000 })).toMatchObject({
      ok: true,
      width: 100,
      height: 50,
    });
  });

  it('refuses an image whose bytes are another format than its magic numbers said', async () => {
    const png = await makeImage('image/png', 3, 3);
    expect(await sanitizeImage(png, 'image/jpeg', limits)).toMatchObject({
      ok: false,
      code: 'undecodable',
    });
  });
});
