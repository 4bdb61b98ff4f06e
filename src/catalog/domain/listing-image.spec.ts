import { pngOfSize, TEST_IMAGES } from '../../../test/support/test-images.js';
import { detectImageType, inspectImage, MAX_IMAGE_SIDE, mediaTypeOf } from './listing-image.js';

describe('inspectImage', () => {
  it.each(Object.entries(TEST_IMAGES))(
    'reads the format and pixel size of a real %s file',
    (_name, image) => {
      expect(inspectImage(image.bytes)).toEqual({
        ok: true,
        contentType: image.contentType,
        width: image.width,
        height: image.height,
      });
    },
  );

  it('goes by the magic numbers, not by a name or a claim', () => {
    expect(detectImageType(Buffer.from('GIF89a......'))).toBeNull();
    expect(detectImageType(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeNull();
    expect(detectImageType(Buffer.from('RIFF\0\0\0\0WAVEfmt '))).toBeNull();
    expect(detectImageType(Buffer.alloc(0))).toBeNull();
    expect(inspectImage(Buffer.from('%PDF-1.7'))).toMatchObject({
      ok: false,
      code: 'unknown-format',
    });
    // A PNG with text appended is still a PNG.
    expect(detectImageType(pngOfSize(1000))).toBe('image/png');
  });

  it('refuses damaged or truncated headers', () => {
    for (const image of [TEST_IMAGES.jpeg, TEST_IMAGES.png, TEST_IMAGES.webp]) {
      const cut = image.bytes.subarray(0, 14);
      expect(inspectImage(cut)).toMatchObject({ ok: false, code: 'unreadable' });
    }
    // A JPEG whose scan starts before any frame header.
    expect(
      inspectImage(Buffer.from([0xff, 0xd8, 0xff, 0xda, 0x00, 0x08, 1, 2, 3, 4, 5, 6])),
    ).toMatchObject({
      ok: false,
      code: 'unreadable',
    });
    // A zero-width PNG.
    const zero = Buffer.from(TEST_IMAGES.png.bytes);
    zero.writeUInt32BE(0, 16);
    expect(inspectImage(zero)).toMatchObject({ ok: false, code: 'unreadable' });
  });

  it(`refuses more than ${MAX_IMAGE_SIDE} pixels per side (decompression bombs)`, () => {
    const huge = Buffer.from(TEST_IMAGES.png.bytes);
    huge.writeUInt32BE(100_000, 16);
    expect(inspectImage(huge)).toMatchObject({ ok: false, code: 'too-many-pixels' });
    huge.writeUInt32BE(MAX_IMAGE_SIDE, 16);
    expect(inspectImage(huge)).toMatchObject({ ok: true, width: MAX_IMAGE_SIDE });
  });
});

describe('mediaTypeOf', () => {
  it('keeps the media type only, lower-cased', () => {
    expect(mediaTypeOf('IMAGE/PNG; charset=binary')).toBe('image/png');
    expect(mediaTypeOf(' image/webp ')).toBe('image/webp');
    expect(mediaTypeOf(undefined)).toBe('');
  });
});
