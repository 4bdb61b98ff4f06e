import { describe, expect, it } from '@jest/globals';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { renderToStaticMarkup } from 'react-dom/server';
import { CallLog, canHide, ChatMessages, type Call, type ChatMessage } from './chat-view';

const message = (over: Partial<ChatMessage>): ChatMessage => ({
  seq: 3,
  kind: 'text',
  masked: [],
  hiddenReason: null,
  attachment: null,
  id: 'm-3',
  room: 'job:r-1',
  senderId: 'c-1',
  clientMessageId: 'x-1',
  body: 'Call me on [phone hidden]',
  hidden: false,
  createdAt: '2026-12-06T07:00:00.000Z',
  ...over,
});

const text = (html: string) =>
  html.replace(/<style[^>]*>.*?<\/style>/gs, '').replace(/<[^>]+>/g, ' ');

describe('canHide', () => {
  it("lets admin and ops leader hide a party's message once", () => {
    for (const role of ['admin', 'ops_leader'] as const) {
      expect(canHide(role, message({}))).toBe(true);
      expect(canHide(role, message({ hidden: true, hiddenReason: 'Abuse' }))).toBe(false);
      expect(canHide(role, message({ kind: 'system', senderId: null }))).toBe(false);
    }
  });

  it('never offers it to compliance (who may read rooms), finance or the CFO', () => {
    for (const role of ['compliance', 'finance', 'cfo'] as const)
      expect(canHide(role, message({}))).toBe(false);
  });
});

describe('ChatMessages', () => {
  it('shows a hidden message with its reason, what was masked, and Hide only where allowed', () => {
    const html = text(
      renderToStaticMarkup(
        <ChatMessages
          messages={[
            message({ masked: ['phone', 'payment_link'] }),
            message({ seq: 4, id: 'm-4', body: 'You idiot', hidden: true, hiddenReason: 'Abuse' }),
          ]}
          role="ops_leader"
          onHide={() => {}}
        />,
      ),
    );
    expect(html).toContain('Call me on [phone hidden]');
    expect(html).toContain('Masked: phone, payment link');
    expect(html).toContain('You idiot');
    expect(html).toContain('Hidden: Abuse');
    expect(html.match(/\bHide\b/g)).toHaveLength(1);
    expect(html).toContain('06 Dec 2026, 12:30:00 IST');
  });
});

describe('ChatMessages attachments', () => {
  it('shows a photo from its thumbnail and a video playable, each fetched with the session', () => {
    const markup = renderToStaticMarkup(
      <QueryClientProvider client={new QueryClient()}>
        <ChatMessages
          messages={[
            message({
              kind: 'attachment',
              body: 'the crack',
              attachment: {
                type: 'image/png',
                bytes: 123456,
                url: '/chat/messages/m-3/attachment',
                thumbnailUrl: '/chat/messages/m-3/attachment?thumbnail=true',
              },
            }),
            message({
              seq: 4,
              id: 'm-4',
              kind: 'attachment',
              body: '',
              attachment: {
                type: 'video/mp4',
                bytes: 2048,
                url: '/chat/messages/m-4/attachment',
                thumbnailUrl: null,
              },
            }),
          ]}
          role="admin"
          onHide={() => {}}
        />
      </QueryClientProvider>,
    );
    const html = text(markup);
    expect(html).toContain('Message 3: photo (image/png, 1,23,456 bytes)');
    expect(html).toContain('Message 4: video (video/mp4, 2,048 bytes)');
    expect(html).toContain('the crack');
    // Fetched (not linked): no element points at the API or the proxy until the blob is there.
    expect(markup).not.toMatch(/src="[^"]*attachment/);
    expect(markup.match(/Loading the media/g)).toHaveLength(2);
  });
});

describe('CallLog', () => {
  it("shows each call's duration, end and who joined and left when", () => {
    const call: Call = {
      kind: 'video',
      status: 'ended',
      participants: [
        { userId: 'c-1', joinedAt: '2026-12-06T07:00:05.000Z', leftAt: '2026-12-06T07:02:05.000Z' },
      ],
      id: 'k-1',
      repairJobId: 'r-1',
      callerId: 't-1',
      calleeId: 'c-1',
      createdAt: '2026-12-06T07:00:00.000Z',
      answeredAt: '2026-12-06T07:00:05.000Z',
      endedAt: '2026-12-06T07:02:05.000Z',
      endedBy: 'c-1',
      endReason: 'hung_up',
      durationSeconds: 120,
    };
    const html = text(renderToStaticMarkup(<CallLog calls={[call]} />));
    expect(html).toContain('120 s');
    expect(html).toContain('hung up');
    expect(html).toContain('t-1 → c-1');
    expect(html).toContain('c-1: 06 Dec 2026, 12:30:05 IST – 06 Dec 2026, 12:32:05 IST');
  });
});
