import { parseRelayUrl } from './relay-client.js';

describe('relay URLs', () => {
  it('reads tls://, bare host:port and wss:// with a path', () => {
    expect(parseRelayUrl('tls://relay.example:7443')).toEqual({
      host: 'relay.example',
      port: 7443,
    });
    expect(parseRelayUrl('127.0.0.1:15555')).toEqual({ host: '127.0.0.1', port: 15555 });
    expect(parseRelayUrl('tls://[::1]:7443')).toEqual({ host: '::1', port: 7443 });
    expect(parseRelayUrl('wss://relay.example:443/v1/ws')).toEqual({
      host: 'relay.example',
      port: 443,
      websocketPath: '/v1/ws',
    });
  });

  it('refuses anything else', () => {
    for (const url of ['relay.example', 'http://relay.example:80', 'tls://relay.example:7443/x']) {
      expect(() => parseRelayUrl(url)).toThrow(/is not/);
    }
  });
});
