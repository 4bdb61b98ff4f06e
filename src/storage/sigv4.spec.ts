import {
  canonicalRequest,
  credentialScope,
  EMPTY_PAYLOAD_SHA256,
  sha256Hex,
  signRequest,
  stringToSign,
  uriEncode,
} from './sigv4.js';

/**
 * AWS's published examples for S3 (Amazon S3 API reference, "Signature Calculations for the
 * Authorization Header: Transferring Payload in a Single Chunk", sig-v4-header-based-auth):
 * the example credentials, bucket `examplebucket` in us-east-1, 2013-05-24T00:00:00Z.
 */
const credentials = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};
const now = new Date('2013-05-24T00:00:00Z');
const base = { region: 'us-east-1', service: 's3', credentials, now };

describe('SigV4 against AWS S3 examples', () => {
  it('GET Object (first 10 bytes of test.txt): canonical request, string to sign, signature', () => {
    const url = new URL('https://examplebucket.s3.amazonaws.com/test.txt');
    const { canonical, signedHeaders } = canonicalRequest(
      'GET',
      url,
      {
        host: 'examplebucket.s3.amazonaws.com',
        range: 'bytes=0-9',
        'x-amz-content-sha256': EMPTY_PAYLOAD_SHA256,
        'x-amz-date': '20130524T000000Z',
      },
      EMPTY_PAYLOAD_SHA256,
    );
    expect(canonical).toBe(
      [
        'GET',
        '/test.txt',
        '',
        'host:examplebucket.s3.amazonaws.com',
        'range:bytes=0-9',
        `x-amz-content-sha256:${EMPTY_PAYLOAD_SHA256}`,
        'x-amz-date:20130524T000000Z',
        '',
        'host;range;x-amz-content-sha256;x-amz-date',
        EMPTY_PAYLOAD_SHA256,
      ].join('\n'),
    );
    expect(signedHeaders).toBe('host;range;x-amz-content-sha256;x-amz-date');
    expect(stringToSign(now, credentialScope(now, 'us-east-1', 's3'), canonical)).toBe(
      [
        'AWS4-HMAC-SHA256',
        '20130524T000000Z',
        '20130524/us-east-1/s3/aws4_request',
        '7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972',
      ].join('\n'),
    );

    const headers = signRequest({
      ...base,
      method: 'GET',
      url,
      headers: { Range: 'bytes=0-9' },
      payloadHash: EMPTY_PAYLOAD_SHA256,
    });
    expect(headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,' +
        'SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,' +
        'Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
    expect(headers['x-amz-date']).toBe('20130524T000000Z');
    expect(headers['x-amz-content-sha256']).toBe(EMPTY_PAYLOAD_SHA256);
    expect(headers).not.toHaveProperty('host');
  });

  it('PUT Object (test$file.text): the key is URI-encoded once in the canonical request', () => {
    const payload = 'Welcome to Amazon S3.';
    expect(sha256Hex(payload)).toBe(
      '44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072',
    );
    const headers = signRequest({
      ...base,
      method: 'PUT',
      url: new URL('https://examplebucket.s3.amazonaws.com/test$file.text'),
      headers: {
        Date: 'Fri, 24 May 2013 00:00:00 GMT',
        'x-amz-storage-class': 'REDUCED_REDUNDANCY',
      },
      payloadHash: sha256Hex(payload),
    });
    expect(headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,' +
        'SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,' +
        'Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd',
    );
  });

  it('GET Bucket (list objects): query parameters sorted and encoded', () => {
    const headers = signRequest({
      ...base,
      method: 'GET',
      url: new URL('https://examplebucket.s3.amazonaws.com/?prefix=J&max-keys=2'),
      headers: {},
      payloadHash: EMPTY_PAYLOAD_SHA256,
    });
    expect(headers.authorization).toMatch(
      /Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7$/,
    );
  });

  it('GET Bucket lifecycle: a parameter without a value signs as `lifecycle=`', () => {
    const headers = signRequest({
      ...base,
      method: 'GET',
      url: new URL('https://examplebucket.s3.amazonaws.com/?lifecycle'),
      headers: {},
      payloadHash: EMPTY_PAYLOAD_SHA256,
    });
    expect(headers.authorization).toMatch(
      /Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543$/,
    );
  });

  it('changes the signature with the secret, the body hash, or the time', () => {
    const sign = (over: Partial<Parameters<typeof signRequest>[0]>) =>
      signRequest({
        ...base,
        method: 'PUT',
        url: new URL('http://127.0.0.1:9000/bucket/a/b'),
        headers: { 'content-type': 'image/png' },
        payloadHash: sha256Hex('x'),
        ...over,
      }).authorization;
    const original = sign({});
    expect(sign({ credentials: { ...credentials, secretAccessKey: 'other' } })).not.toBe(original);
    expect(sign({ payloadHash: sha256Hex('y') })).not.toBe(original);
    expect(sign({ now: new Date('2013-05-24T00:00:01Z') })).not.toBe(original);
    expect(original).toContain('SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date,');
  });

  it('encodes like RFC 3986 (unreserved characters only stay as they are)', () => {
    expect(uriEncode("a b/c$!'()*~._-")).toBe('a%20b%2Fc%24%21%27%28%29%2A~._-');
  });
});
