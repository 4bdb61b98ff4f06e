import { describe, expect, it, jest } from '@jest/globals';
import { fireEvent, screen, waitFor } from '@testing-library/react-native';
import type { Schemas } from '../api/client';
import { ChatButton } from '../components/chat';
import { fakeApi, renderScreen, signedInAs } from '../testing/render';
import ChatRoom from './ChatRoom';

const mockRouter = { push: jest.fn(), replace: jest.fn() };
jest.mock('expo-router', () => ({
  useRouter: () => mockRouter,
  useLocalSearchParams: () => ({ kind: 'job', id: 'r-1' }),
}));

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
    expect(screen.getAllByTestId('chat-message')[2]).toHaveTextContent(/^You · .*gate is open$/);
    expect(screen.getAllByTestId('chat-message')[3]).toHaveTextContent(/\(hidden by FixBazaar\)$/);
    await waitFor(() =>
      expect(calls.find((c) => c.path === '/chat/rooms/job/r-1/receipts')?.body).toEqual({
        deliveredSeq: 4,
        readSeq: 4,
      }),
    );
  });

  it('sends with one client id kept for a retry, and says what was masked', async () => {
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
    await fireEvent.changeText(screen.getByLabelText('Message'), 'Call me on 98450 12345');
    await fireEvent.press(screen.getByRole('button', { name: 'Send' }));
    expect(
      await screen.findByText("You're offline. Check your connection and try again."),
    ).toBeOnTheScreen();
    offline = false;
    await fireEvent.press(screen.getByRole('button', { name: 'Send' }));
    expect(await screen.findByTestId('chat-masked')).toHaveTextContent(
      'For your safety we hid a phone number in your message',
      { exact: false },
    );
    expect(await screen.findByText('Call me on [phone hidden]')).toBeOnTheScreen();
    expect(screen.getByLabelText('Message')).toHaveDisplayValue('');
    const sends = calls.filter(
      (c) => c.path === '/chat/rooms/job/r-1/messages' && c.method === 'POST',
    );
    const ids = sends.map((c) => (c.body as { clientMessageId: string }).clientMessageId);
    expect(ids).toHaveLength(2);
    expect(ids[1]).toBe(ids[0]);
    expect((sends[1]!.body as { body: string }).body).toBe('Call me on 98450 12345');
  });

  it('opens a job’s or a sub-order’s room', async () => {
    fakeApi({});
    mockRouter.push.mockClear();
    await renderScreen(<ChatButton kind="sub_order" subjectId="s-1" with="dealer" />);
    await fireEvent.press(screen.getByRole('button', { name: 'Chat with the dealer' }));
    expect(mockRouter.push).toHaveBeenCalledWith('/chat/sub_order/s-1');
  });
});
