import { beforeEach, describe, expect, it, jest } from '@jest/globals';
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react-native';
import { AppState } from 'react-native';
import type { Schemas } from '../api/client';
import { ChatButton } from '../components/chat';
import { FakeChatServer } from '../testing/chat-socket';
import { fakeApi, renderScreen, signedInAs } from '../testing/render';
import ChatRoom from './ChatRoom';

const mockRouter = { push: jest.fn(), replace: jest.fn() };
jest.mock('expo-router', () => ({
  useRouter: () => mockRouter,
  useLocalSearchParams: () => ({ kind: 'job', id: 'r-1' }),
}));

// The API's chat socket: the test plays the server (connects, drops, answers through acks).
const mockServer = new FakeChatServer();
jest.mock('socket.io-client', () => ({
  io: (url: string, options: never) => mockServer.open(url, options),
}));
beforeEach(() => mockServer.reset());

const message = (over: Partial<Schemas['ChatMessageDto']>): Schemas['ChatMessageDto'] => ({
  id: `m-${over.seq ?? 1}`,
  seq: 1,
  room: 'job:r-1',
  kind: 'text',
  senderId: 'u-2',
  clientMessageId: null,
  body: 'On my way',
  masked: [],
  hidden: false,
  attachment: null,
  createdAt: '2026-12-07T10:00:00.000Z',
  ...over,
});

describe('chat', () => {
  it('shows the room’s messages, oldest first, and marks them read', async () => {
    const calls = fakeApi({
      ...signedInAs({ role: 'customer' }),
      'GET /chat/rooms/job/r-1/messages': {
        body: {
          lastSeq: 4,
          items: [
            message({ seq: 1, senderId: null, kind: 'system', body: 'Ravi (staff) joined' }),
            message({ seq: 2 }),
            message({ seq: 3, senderId: 'u-1', body: 'Thanks, the gate is open' }),
            message({ seq: 4, hidden: true, body: null }),
          ],
        },
      },
      'POST /chat/rooms/job/r-1/receipts': {
        body: { deliveredSeq: 4, readSeq: 4, room: 'job:r-1', userId: 'u-1' },
      },
    });
    await renderScreen(<ChatRoom />);
    await waitFor(() => expect(screen.getAllByTestId('chat-message')).toHaveLength(4));
    expect(screen.getAllByTestId('chat-message')[0]).toHaveTextContent(
      /^FixBazaar · .*Ravi \(staff\) joined$/,
    );
    expect(screen.getAllByTestId('chat-message')[1]).toHaveTextContent(
      /^The other side · .*On my way$/,
    );
    expect(screen.getAllByTestId('chat-message')[2]).toHaveTextContent(
      /^You · .*gate is openSent$/,
    );
    expect(screen.getAllByTestId('chat-message')[3]).toHaveTextContent(/\(hidden by FixBazaar\)$/);
    await waitFor(() =>
      expect(calls.find((c) => c.path === '/chat/rooms/job/r-1/receipts')?.body).toEqual({
        deliveredSeq: 4,
        readSeq: 4,
      }),
    );
  });

  it('sends over REST while the socket is down, with one client id kept for a retry', async () => {
    let items: Schemas['ChatMessageDto'][] = [];
    let offline = true;
    const calls = fakeApi({
      ...signedInAs({ role: 'customer' }),
      'GET /chat/rooms/job/r-1/messages': () => ({ body: { lastSeq: items.length, items } }),
      'POST /chat/rooms/job/r-1/receipts': {
        body: { deliveredSeq: 1, readSeq: 1, room: 'job:r-1', userId: 'u-1' },
      },
      'POST /chat/rooms/job/r-1/messages': ({ body }) => {
        if (offline) throw new TypeError('Network request failed');
        const sent = message({
          senderId: 'u-1',
          body: 'Call me on [phone hidden]',
          masked: ['phone'],
          clientMessageId: (body as { clientMessageId: string }).clientMessageId,
        });
        items = [sent];
        return { status: 201, body: { message: sent, notice: ['phone'], duplicate: false } };
      },
    });
    await renderScreen(<ChatRoom />);
    expect(await screen.findByText('No messages yet. Say hello.')).toBeOnTheScreen();
    expect(screen.getByTestId('chat-connection')).toHaveTextContent(/^Connecting/);
    await fireEvent.changeText(screen.getByLabelText('Message'), 'Call me on 98450 12345');
    await fireEvent.press(screen.getByRole('button', { name: 'Send' }));
    expect(screen.getByLabelText('Message')).toHaveDisplayValue('');
    expect(
      await screen.findByText("You're offline. Check your connection and try again."),
    ).toBeOnTheScreen();
    expect(screen.getByTestId('chat-state')).toHaveTextContent('Not sent');
    offline = false;
    await fireEvent.press(screen.getByRole('button', { name: 'Send again' }));
    expect(await screen.findByTestId('chat-masked')).toHaveTextContent(
      'For your safety we hid a phone number in your message',
      { exact: false },
    );
    expect(await screen.findByText('Call me on [phone hidden]')).toBeOnTheScreen();
    expect(screen.getByTestId('chat-state')).toHaveTextContent('Sent');
    const sends = calls.filter(
      (c) => c.path === '/chat/rooms/job/r-1/messages' && c.method === 'POST',
    );
    const ids = sends.map((c) => (c.body as { clientMessageId: string }).clientMessageId);
    expect(ids).toHaveLength(2);
    expect(ids[1]).toBe(ids[0]);
    expect((sends[1]!.body as { body: string }).body).toBe('Call me on 98450 12345');
    expect(mockServer.sent('send')).toHaveLength(0);
  });

  it('goes live on the socket: messages arrive, a send is pending then sent, then read', async () => {
    const calls = fakeApi({
      ...signedInAs({ role: 'customer' }),
      'GET /chat/rooms/job/r-1/messages': { body: { lastSeq: 2, items: [message({ seq: 2 })] } },
      'POST /chat/rooms/job/r-1/receipts': {
        body: { deliveredSeq: 2, readSeq: 2, room: 'job:r-1', userId: 'u-1' },
      },
    });
    await renderScreen(<ChatRoom />);
    expect(await screen.findByText('On my way')).toBeOnTheScreen();
    // The handshake carries the session's access token; the room resumes from the page's last seq.
    expect(mockServer.socket!.url).toBe('http://127.0.0.1:3000/chat');
    expect(mockServer.token()).toBe('access-token');
    await mockServer.accept();
    const [resume] = mockServer.sent('resume');
    expect(resume!.payload).toEqual({ room: 'job:r-1', lastSeq: 2 });
    await mockServer.answer(resume, { ok: true, lastSeq: 2, deliveredSeq: 2, readSeq: 2 });
    expect(screen.getByTestId('chat-connection')).toHaveTextContent('Live');

    await mockServer.push('message', message({ seq: 3, body: 'Reached the gate' }));
    expect(await screen.findByText('Reached the gate')).toBeOnTheScreen();
    // Read over the socket now, not REST.
    expect(mockServer.sent('receipt').map((e) => e.payload)).toEqual([
      { room: 'job:r-1', deliveredSeq: 3, readSeq: 3 },
    ]);
    expect(calls.filter((c) => c.path.endsWith('/receipts'))).toHaveLength(1);

    await mockServer.push('typing', { room: 'job:r-1', userId: 'u-2', expiresInMs: 3000 });
    expect(screen.getByTestId('chat-typing')).toHaveTextContent('The other side is typing…');

    await fireEvent.changeText(screen.getByLabelText('Message'), 'Come up, flat 4B');
    expect(mockServer.sent('typing').map((e) => e.payload)).toEqual([{ room: 'job:r-1' }]);
    await fireEvent.press(screen.getByRole('button', { name: 'Send' }));
    const [send] = mockServer.sent('send');
    expect(send!.payload).toEqual({
      room: 'job:r-1',
      clientMessageId: expect.any(String),
      body: 'Come up, flat 4B',
    });
    const mine = () => screen.getAllByTestId('chat-message')[2]!;
    expect(within(mine()).getByTestId('chat-state')).toHaveTextContent('Sending…');
    const sent = message({
      seq: 4,
      senderId: 'u-1',
      body: 'Come up, flat 4B',
      clientMessageId: send!.payload.clientMessageId as string,
    });
    await mockServer.answer(send, {
      ok: true,
      seq: 4,
      id: sent.id,
      duplicate: false,
      notice: [],
      message: sent,
    });
    expect(within(mine()).getByTestId('chat-state')).toHaveTextContent('Sent');
    // The same message broadcast to the room is not shown twice.
    await mockServer.push('message', sent);
    expect(screen.getAllByTestId('chat-message')).toHaveLength(3);
    await mockServer.push('receipt', {
      room: 'job:r-1',
      userId: 'u-2',
      deliveredSeq: 4,
      readSeq: 4,
    });
    expect(within(mine()).getByTestId('chat-state')).toHaveTextContent('Read');

    // Taken out of the room (e.g. the technician reassigned): no longer live there.
    await mockServer.push('error', {
      code: 'chat/room-not-found',
      detail: 'No such chat room',
      room: 'job:r-1',
    });
    expect(screen.getByTestId('chat-connection')).toHaveTextContent(/^Connecting/);
  });

  it('after a disconnect resumes from the last seq seen and resends with the same client id', async () => {
    fakeApi({
      ...signedInAs({ role: 'customer' }),
      'GET /chat/rooms/job/r-1/messages': { body: { lastSeq: 1, items: [message({ seq: 1 })] } },
      'POST /chat/rooms/job/r-1/receipts': {
        body: { deliveredSeq: 1, readSeq: 1, room: 'job:r-1', userId: 'u-1' },
      },
    });
    const { unmount } = await renderScreen(<ChatRoom />);
    expect(await screen.findByText('On my way')).toBeOnTheScreen();
    await mockServer.accept();
    await mockServer.answer(mockServer.sent('resume')[0], { ok: true, lastSeq: 1 });
    await mockServer.push('message', message({ seq: 2, body: 'Which floor?' }));
    await fireEvent.changeText(screen.getByLabelText('Message'), 'Fourth');
    await fireEvent.press(screen.getByRole('button', { name: 'Send' }));
    const [first] = mockServer.sent('send');
    // The connection drops before the API acknowledges the message.
    await mockServer.drop();
    expect(screen.getByTestId('chat-connection')).toHaveTextContent(/^Connecting/);
    expect(screen.getByTestId('chat-state')).toHaveTextContent('Sending…');

    await mockServer.accept();
    const resume = mockServer.sent('resume')[1];
    expect(resume!.payload).toEqual({ room: 'job:r-1', lastSeq: 2 });
    // The server replays what was missed, then answers; the app then sends its outbox again.
    await mockServer.push('message', message({ seq: 3, body: 'Lift is broken, take the stairs' }));
    await mockServer.answer(resume, { ok: true, lastSeq: 3 });
    expect(screen.getByText('Lift is broken, take the stairs')).toBeOnTheScreen();
    const sends = mockServer.sent('send');
    expect(sends).toHaveLength(2);
    expect(sends[1]!.payload).toEqual(first!.payload);
    const stored = message({
      seq: 4,
      senderId: 'u-1',
      body: 'Fourth',
      clientMessageId: first!.payload.clientMessageId as string,
    });
    await mockServer.answer(sends[1], {
      ok: true,
      seq: 4,
      id: stored.id,
      duplicate: true,
      notice: [],
      message: stored,
    });
    expect(screen.getAllByTestId('chat-message')).toHaveLength(4);
    expect(screen.getByTestId('chat-state')).toHaveTextContent('Sent');

    // In the background the socket is closed (the API then pushes); back in front it connects again.
    const appState = jest.mocked(AppState.addEventListener).mock.calls.at(-1)!;
    expect(appState[0]).toBe('change');
    await act(async () => appState[1]('background'));
    expect(mockServer.closed).toBe(true);
    await act(async () => appState[1]('active'));
    expect(mockServer.connectRequests).toBe(1);
    await mockServer.accept();
    expect(mockServer.sent('resume')[2]!.payload).toEqual({ room: 'job:r-1', lastSeq: 4 });

    // Closing the screen leaves the room and closes the socket.
    await unmount();
    expect(mockServer.sent('leave').map((e) => e.payload)).toEqual([{ room: 'job:r-1' }]);
    expect(mockServer.closed).toBe(true);
  });

  it('refreshes a refused access token and connects again', async () => {
    const calls = fakeApi({
      ...signedInAs({ role: 'customer' }),
      'GET /chat/rooms/job/r-1/messages': { body: { lastSeq: 0, items: [] } },
    });
    await renderScreen(<ChatRoom />);
    expect(await screen.findByText('No messages yet. Say hello.')).toBeOnTheScreen();
    await waitFor(() => expect(mockServer.socket).not.toBeNull());
    const refreshes = () => calls.filter((c) => c.path === '/auth/refresh').length;
    const before = refreshes();
    await mockServer.refuse('auth/invalid-token');
    await waitFor(() => expect(mockServer.connectRequests).toBe(1));
    expect(refreshes()).toBe(before + 1);
    // A refusal for another reason (the account may not chat) is not retried.
    await mockServer.refuse('auth/forbidden');
    expect(refreshes()).toBe(before + 1);
    expect(mockServer.connectRequests).toBe(1);
  });

  it('opens a job’s or a sub-order’s room', async () => {
    fakeApi({});
    mockRouter.push.mockClear();
    await renderScreen(<ChatButton kind="sub_order" subjectId="s-1" with="dealer" />);
    await fireEvent.press(screen.getByRole('button', { name: 'Chat with the dealer' }));
    expect(mockRouter.push).toHaveBeenCalledWith('/chat/sub_order/s-1');
  });
});
