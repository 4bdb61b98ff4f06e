import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buffer } from 'node:stream/consumers';
import type { PushMessage } from './push-sender.js';

/**
 * A stand-in for Expo's push API: records each request; answers a send with `tickets` and a
 * receipts request with those of `receipts` asked for. One for the file: Expo's client reads its
 * base URL (EXPO_BASE_URL) when first loaded.
 */
const expo = {
  tickets: [] as unknown[],
  receipts: {} as Record<string, unknown>,
  requests: [] as { path: string; headers: IncomingMessage['headers']; body: unknown }[],
};
const server = createServer((req, res) => {
  void buffer(req).then((raw) => {
    const body = JSON.parse(raw.toString('utf8')) as { ids?: string[] };
    expo.requests.push({ path: req.url ?? '', headers: req.headers, body });
    const data = req.url?.endsWith('/getReceipts')
      ? Object.fromEntries(
          (body.ids ?? []).filter((id) => id in expo.receipts).map((id) => [id, expo.receipts[id]]),
        )
      : expo.tickets;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ data }));
  });
});
let ExpoPushSender: typeof import('./expo-push.sender.js').ExpoPushSender;

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  process.env.EXPO_BASE_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  ({ ExpoPushSender } = await import('./expo-push.sender.js'));
});

afterAll(async () => {
  delete process.env.EXPO_BASE_URL;
  await new Promise<void>((r) => server.close(() => r()));
});

beforeEach(() => {
  expo.requests = [];
});

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
    expo.tickets = [
      { status: 'ok', id: 'ticket-1' },
      { status: 'error', message: 'not registered', details: { error: 'DeviceNotRegistered' } },
    ];
    const sender = new ExpoPushSender('expo-access-token');
    const live = 'ExponentPushToken[aaaaaaaaaaaaaaaaaaaaaa]';
    const gone = 'ExponentPushToken[bbbbbbbbbbbbbbbbbbbbbb]';
    const { staleTokens, tickets } = await sender.send([
      message(live, 'calls'),
      message('not-an-expo-token', 'orders'),
      message(gone, 'orders'),
    ]);
    expect(staleTokens.sort()).toEqual([gone, 'not-an-expo-token'].sort());
    expect(tickets).toEqual([{ id: 'ticket-1', token: live }]);
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
  });

  it('asks for receipts: a token found gone is stale, a receipt not ready is pending', async () => {
    expo.receipts = {
      't-ok': { status: 'ok' },
      't-gone': { status: 'error', message: 'gone', details: { error: 'DeviceNotRegistered' } },
      't-big': { status: 'error', message: 'too big', details: { error: 'MessageTooBig' } },
    };
    const sender = new ExpoPushSender(undefined);
    const tickets = ['t-ok', 't-gone', 't-big', 't-later'].map((id) => ({
      id,
      token: `tok-${id}`,
    }));
    const { staleTokens, pending } = await sender.receipts(tickets);
    expect(staleTokens).toEqual(['tok-t-gone']);
    expect(pending).toEqual([{ id: 't-later', token: 'tok-t-later' }]);
    expect(expo.requests.map((r) => [r.path, r.body])).toEqual([
      ['/--/api/v2/push/getReceipts', { ids: ['t-ok', 't-gone', 't-big', 't-later'] }],
    ]);
  });
});
