import { NOT_MEDIA, TEST_VIDEOS } from '../../../test/support/test-images.js';
import { probeVideo } from './video-probe.js';

describe('probeVideo', () => {
  it.each(Object.entries(TEST_VIDEOS))('takes a real %s file', (_name, video) => {
    expect(probeVideo(video.bytes, video.contentType)).toEqual({ ok: true });
  });

  const mp4 = TEST_VIDEOS.mp4.bytes;
  const webm = TEST_VIDEOS.webm.bytes;
  it('takes a WebM whose Segment and Cluster have unknown sizes, as live recorders write them', () => {
    const live = Buffer.from(webm);
    // Each element's size field, kept at its length, set to all ones ("unknown").
    for (const id of [
      [0x18, 0x53, 0x80, 0x67],
      [0x1f, 0x43, 0xb6, 0x75],
    ]) {
      const at = live.indexOf(Buffer.from(id)) + 4;
      const length = Math.clz32(live[at]!) - 23;
      live.fill(0xff, at + 1, at + length);
      live[at] = 0xff >> (length - 1);
    }
    expect(live.equals(webm)).toBe(false);
    expect(probeVideo(live, 'video/webm')).toEqual({ ok: true });
    // Unknown sizes stop nothing else: junk after it is still junk.
    const junk = Buffer.concat([live, Buffer.from([0x42, 0x86, 0x90])]);
    expect(probeVideo(junk, 'video/webm')).toMatchObject({ ok: false });
  });

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

  it('refuses an MP4 whose samples have no duration', () => {
    // Every sample delta of the time-to-sample table (stts) and the media and movie durations
    // (version 0 mdhd, mvhd) set to 0.
    const still = Buffer.from(mp4);
    const stts = still.indexOf('stts');
    const entries = still.readUInt32BE(stts + 8);
    for (let i = 0; i < entries; i++) still.writeUInt32BE(0, stts + 12 + 8 * i + 4);
    for (const box of ['mdhd', 'mvhd']) still.writeUInt32BE(0, still.indexOf(box) + 20);
    expect(probeVideo(still, 'video/mp4')).toMatchObject({ ok: false, detail: /duration/ });
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
