import { pngOfSize, TEST_IMAGES } from '../../../test/support/test-images.js';
import { detectImageType, mediaTypeOf } from './media-type.js';

describe('detectImageType', () => {
  it.each(Object.entries(TEST_IMAGES))('reads the format of a real %s file', (_name, image) => {
    expect(detectImageType(image.bytes)).toBe(image.contentType);
  });

  it('goes by the magic numbers, not by a name or a claim', () => {
    expect(detectImageType(Buffer.from('GIF89a......'))).toBeNull();
    expect(detectImageType(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeNull();
    expect(detectImageType(Buffer.from('RIFF\0\0\0\0WAVEfmt '))).toBeNull();
    expect(detectImageType(Buffer.from('%PDF-1.7'))).toBeNull();
    expect(detectImageType(Buffer.alloc(0))).toBeNull();
    // A PNG with bytes appended still claims to be a PNG (decoding decides whether it is one).
    expect(detectImageType(pngOfSize(1000))).toBe('image/png');
  });
});

describe('mediaTypeOf', () => {
  it('keeps the media type only, lower-cased', () => {
    expect(mediaTypeOf('IMAGE/PNG; charset=binary')).toBe('image/png');
    expect(mediaTypeOf(' image/webp ')).toBe('image/webp');
    expect(mediaTypeOf(undefined)).toBe('');
  });
});
