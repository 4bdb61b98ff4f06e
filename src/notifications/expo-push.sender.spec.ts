import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buffer } from 'node:stream/consumers';
import type { PushMessage } from './push-sender.js';

/** A stand-in for Expo's push API: records each request, answers the tickets it is given. */
async function fakeExpo(tickets: unknown[]) {
  const requests: { headers: IncomingMessage['headers']; body: unknown }[] = [];
  const server = createServer((req, res) => {
    void buffer(req).then((raw) => {
      requests.push({ headers: req.headers, body: JSON.parse(raw.toString('utf8')) as unknown });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data: tickets }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const message = (token: string, category: PushMessage['category']): PushMessage => ({
  userId: '00000000-0000-4000-8000-000000000001',
  token,
  category,
  title: 'Incoming call',
  body: 'Asha is calling about your repair',
  data: { callId: 'c1' },
});

describe('ExpoPushSender', () => {
  it('sends through Expo’s API and reports malformed and unregistered tokens as stale', async () => {
    const expo = await fakeExpo([
      { status: 'ok', id: 'ticket-1' },
      { status: 'error', message: 'not registered', details: { error: 'DeviceNotRegistered' } },
    ]);
    // Expo's client reads its base URL when first loaded.
    process.env.EXPO_BASE_URL = expo.url;
    try {
      const { ExpoPushSender } = await import('./expo-push.sender.js');
      const sender = new ExpoPushSender('expo-access-token');
      const live = 'ExponentPushToken[aaaaaaaaaaaaaaaaaaaaaa]';
      const gone = 'ExponentPushToken[bbbbbbbbbbbbbbbbbbbbbb]';
      const { staleTokens } = await sender.send([
        message(live, 'calls'),
        message('not-an-expo-token', 'orders'),
        message(gone, 'orders'),
      ]);
      expect(staleTokens.sort()).toEqual([gone, 'not-an-expo-token'].sort());
      expect(expo.requests).toHaveLength(1);
      expect(expo.requests[0]!.headers.authorization).toBe('Bearer expo-access-token');
      expect(expo.requests[0]!.body).toEqual([
        expect.objectContaining({
          to: live,
          title: 'Incoming call',
          priority: 'high',
          data: { callId: 'c1', category: 'calls' },
        }),
        expect.objectContaining({ to: gone, priority: 'default' }),
      ]);
    } finally {
      delete process.env.EXPO_BASE_URL;
      await expo.close();
    }
  });
});
