import { contentRange, matchesEtag, selectRange } from './http-object.js';

const ETAG = '"abc123"';

describe('matchesEtag (If-None-Match)', () => {
  it('matches the tag, any listed tag, a weak form of it, or *', () => {
    expect(matchesEtag(ETAG, ETAG)).toBe(true);
    expect(matchesEtag(`"other", ${ETAG}`, ETAG)).toBe(true);
    expect(matchesEtag(`W/${ETAG}`, ETAG)).toBe(true);
    expect(matchesEtag('*', ETAG)).toBe(true);
  });

  it('does not match another tag, an unquoted one, or no header', () => {
    expect(matchesEtag('"other"', ETAG)).toBe(false);
    expect(matchesEtag('abc123', ETAG)).toBe(false);
    expect(matchesEtag('', ETAG)).toBe(false);
    expect(matchesEtag(undefined, ETAG)).toBe(false);
  });
});

describe('selectRange', () => {
  const pick = (range: string | undefined, ifRange?: string, size = 1000) =>
    selectRange(range, ifRange, ETAG, size);

  it('serves the whole object without a Range header', () => {
    expect(pick(undefined)).toEqual({ kind: 'whole' });
  });

  it('selects bytes=a-b, bytes=a- and bytes=-n, cutting the end to the object', () => {
    expect(pick('bytes=0-99')).toEqual({ kind: 'partial', start: 0, end: 99 });
    expect(pick('bytes=100-100')).toEqual({ kind: 'partial', start: 100, end: 100 });
    expect(pick('bytes=990-5000')).toEqual({ kind: 'partial', start: 990, end: 999 });
    expect(pick('bytes=500-')).toEqual({ kind: 'partial', start: 500, end: 999 });
    expect(pick('bytes=-10')).toEqual({ kind: 'partial', start: 990, end: 999 });
    expect(pick('bytes=-5000')).toEqual({ kind: 'partial', start: 0, end: 999 });
    expect(pick('Bytes = 0-1')).toEqual({ kind: 'partial', start: 0, end: 1 });
    expect(pick('bytes=0-99999999999999999999')).toEqual({ kind: 'partial', start: 0, end: 999 });
  });

  it('finds a range that starts past the end (or asks for no bytes) unsatisfiable', () => {
    expect(pick('bytes=1000-')).toEqual({ kind: 'unsatisfiable' });
    expect(pick('bytes=1000-2000')).toEqual({ kind: 'unsatisfiable' });
    expect(pick('bytes=-0')).toEqual({ kind: 'unsatisfiable' });
    expect(pick('bytes=99999999999999999999-')).toEqual({ kind: 'unsatisfiable' });
  });

  it('answers with the whole object for several ranges, another unit or a malformed header', () => {
    for (const header of [
      'bytes=0-1,5-9',
      'bytes=0-1, 5-',
      'items=0-1',
      'bytes',
      'bytes=',
      'bytes=-',
      'bytes=5-1',
      'bytes=a-b',
      'bytes=1.5-2',
      'bytes=-1-2',
      '0-99',
    ])
      expect([header, pick(header)]).toEqual([header, { kind: 'whole' }]);
  });

  it('honours If-Range only when it is the current ETag (strong comparison)', () => {
    expect(pick('bytes=0-9', ETAG)).toEqual({ kind: 'partial', start: 0, end: 9 });
    expect(pick('bytes=0-9', '"stale"')).toEqual({ kind: 'whole' });
    expect(pick('bytes=0-9', `W/${ETAG}`)).toEqual({ kind: 'whole' });
    expect(pick('bytes=0-9', 'Wed, 21 Oct 2026 07:28:00 GMT')).toEqual({ kind: 'whole' });
    // A stale If-Range also wins over an unsatisfiable range: the whole (new) object.
    expect(pick('bytes=5000-', '"stale"')).toEqual({ kind: 'whole' });
  });

  it('writes Content-Range for 206 and 416', () => {
    expect(contentRange(1000, { start: 0, end: 99 })).toBe('bytes 0-99/1000');
    expect(contentRange(1000)).toBe('bytes */1000');
  });
});
