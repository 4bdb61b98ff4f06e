import { NOT_MEDIA, TEST_VIDEOS } from '../../../test/support/test-images.js';
import { probeVideo } from './video-probe.js';

describe('probeVideo', () => {
  it.each(Object.entries(TEST_VIDEOS))('takes a real %s file', (_name, video) => {
    expect(probeVideo(video.bytes, video.contentType)).toEqual({ ok: true });
  });

  const mp4 = TEST_VIDEOS.mp4.bytes;
  const webm = TEST_VIDEOS.webm.bytes;
  it.each([
    ['a bare MP4 header', NOT_MEDIA.bareMp4Header.bytes, 'video/mp4', /no movie header/],
    ['a truncated MP4', NOT_MEDIA.truncatedMp4.bytes, 'video/mp4', /claims/],
    ['an MP4 cut by a few bytes', mp4.subarray(0, mp4.length - 3), 'video/mp4', /claims/],
    ['junk after an MP4', Buffer.concat([mp4, Buffer.from('junk')]), 'video/mp4', /stray/],
    ['a bare WebM header', NOT_MEDIA.bareWebmHeader.bytes, 'video/webm', /truncated/],
    ['a WebM cut by a few bytes', webm.subarray(0, webm.length - 3), 'video/webm', /claims/],
    ['junk after a WebM', Buffer.concat([webm, Buffer.from('junk')]), 'video/webm', /./],
    ['an MP4 sent as WebM', mp4, 'video/webm', /./],
  ] as const)('refuses %s', (_name, bytes, type, why) => {
    const probe = probeVideo(bytes, type);
    expect(probe).toMatchObject({ ok: false, code: 'undecodable' });
    expect(!probe.ok && probe.detail).toMatch(why);
  });

  it('refuses an MP4 whose samples point beyond the file', () => {
    // Every chunk offset (stco) moved 10,000 bytes on: the boxes still tile the file.
    const moved = Buffer.from(mp4);
    const stco = moved.indexOf('stco');
    const count = moved.readUInt32BE(stco + 8);
    for (let i = 0; i < count; i++) {
      const at = stco + 12 + 4 * i;
      moved.writeUInt32BE(moved.readUInt32BE(at) + 10_000, at);
    }
    expect(probeVideo(moved, 'video/mp4')).toMatchObject({ ok: false, detail: /beyond the file/ });
  });
});
