import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useLocalSearchParams } from 'expo-router';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, data, idempotencyKey, type Schemas } from '../api/client';
import { useSession } from '../auth/session';
import { ProblemNotice, QueryView } from '../components/states';
import { Body, Button, Card, Field, Screen } from '../components/ui';
import { formatInstant } from '../lib/dates';
import { fieldError } from '../lib/problem';

type Kind = 'job' | 'sub_order';
type Message = Schemas['ChatMessageDto'];

/** How often the room's newest messages are read again (the app does not hold the chat socket yet). */
const CHAT_REFRESH_MS = 5_000;

/**
 * A chat room — a repair job's (its customer and technician) or a sub-order's (its buyer and
 * dealer): the newest messages, oldest first, read again every few seconds and marked read; sending
 * with a client id kept for a retry (a resend never makes a second message), and the API's notice of
 * what it masked (contact details stay on the platform).
 */
export default function ChatRoom() {
  const { t } = useTranslation();
  const { kind, id } = useLocalSearchParams<{ kind: Kind; id: string }>();
  const params = { path: { kind, subjectId: id } };
  const queryClient = useQueryClient();
  const messages = useQuery({
    queryKey: ['chat', kind, id],
    refetchInterval: CHAT_REFRESH_MS,
    queryFn: () => data(api.GET('/chat/rooms/{kind}/{subjectId}/messages', { params })),
  });
  const lastSeq = messages.data?.lastSeq ?? 0;
  const receipt = useMutation({
    mutationFn: (seq: number) =>
      data(
        api.POST('/chat/rooms/{kind}/{subjectId}/receipts', {
          params,
          body: { deliveredSeq: seq, readSeq: seq },
        }),
      ),
  });
  const { mutate: markRead } = receipt;
  useEffect(() => {
    if (lastSeq > 0) markRead(lastSeq);
  }, [lastSeq, markRead]);
  const [text, setText] = useState('');
  // One client id per message the user means to send: a retry after a failure reuses it.
  const [clientMessageId, setClientMessageId] = useState(idempotencyKey);
  const send = useMutation({
    mutationFn: () =>
      data(
        api.POST('/chat/rooms/{kind}/{subjectId}/messages', {
          params,
          body: { clientMessageId, body: text.trim() },
        }),
      ),
    onSuccess: () => {
      setText('');
      setClientMessageId(idempotencyKey());
      void queryClient.invalidateQueries({ queryKey: ['chat', kind, id] });
    },
  });
  return (
    <Screen>
      <QueryView
        query={messages}
        isEmpty={(page) => page.items.length === 0}
        empty={t('chat.empty')}
      >
        {(page) => page.items.map((m) => <ChatMessage key={m.id} message={m} />)}
      </QueryView>
      <Card testID="chat-compose">
        {send.data && send.data.notice.length > 0 ? (
          <Body tone="warning" testID="chat-masked">
            {t('chat.masked', {
              what: send.data.notice.map((n) => t(`chat.maskedKind.${n}`)).join(', '),
            })}
          </Body>
        ) : null}
        <Field
          label={t('chat.message')}
          value={text}
          onChangeText={setText}
          multiline
          error={fieldError(send.error, 'body')}
        />
        {send.isError ? <ProblemNotice error={send.error} /> : null}
        <Button
          label={t('chat.send')}
          disabled={send.isPending || !text.trim()}
          onPress={() => send.mutate()}
        />
      </Card>
    </Screen>
  );
}

function ChatMessage({ message: m }: { message: Message }) {
  const { t, i18n } = useTranslation();
  const { account } = useSession();
  const who =
    m.senderId === null
      ? t('chat.system')
      : m.senderId === account?.id
        ? t('chat.you')
        : t('chat.them');
  const body = m.hidden
    ? t('chat.hidden')
    : m.attachment
      ? t(m.attachment.type.startsWith('video/') ? 'chat.video' : 'chat.photo')
      : m.body;
  return (
    <Card testID="chat-message">
      <Body tone="muted">
        {who} · {formatInstant(m.createdAt, i18n.language)}
      </Body>
      <Body tone={m.hidden ? 'muted' : 'text'}>{body}</Body>
    </Card>
  );
}
