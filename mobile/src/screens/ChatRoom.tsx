import { useLocalSearchParams } from 'expo-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSession } from '../auth/session';
import { ProblemNotice, QueryView } from '../components/states';
import { Body, Button, Card, Field, Screen } from '../components/ui';
import { useLiveRoom, type ChatKind, type ChatMessage, type Outgoing } from '../lib/chat-socket';
import { formatInstant } from '../lib/dates';

/**
 * A chat room — a repair job's (its customer and technician) or a sub-order's (its buyer and
 * dealer): the newest messages, oldest first, then live over the chat socket (read again every few
 * seconds over REST while it is down), marked read. A message sent shows sending, then sent once
 * the API has it, then read once the other side's receipt says so; one not sent says why and is
 * tried again with the same client id (a resend never makes a second message). The API's notice
 * says what it masked (contact details stay on the platform).
 */
export default function ChatRoom() {
  const { t } = useTranslation();
  const { kind, id } = useLocalSearchParams<{ kind: ChatKind; id: string }>();
  const { account } = useSession();
  const { room, view, page } = useLiveRoom(kind, id);
  const [text, setText] = useState('');
  const others = Object.entries(view.readBy).filter(([userId]) => userId !== account?.id);
  const readUpTo = Math.max(0, ...others.map(([, seq]) => seq));
  const typing = view.typing.some((userId) => userId !== account?.id);
  return (
    <Screen>
      <Body tone="muted" testID="chat-connection">
        {t(view.live ? 'chat.live' : 'chat.notLive')}
      </Body>
      <QueryView
        query={page}
        isEmpty={() => view.messages.length === 0 && view.outbox.length === 0}
        empty={t('chat.empty')}
      >
        {() => (
          <>
            {view.messages.map((m) => (
              <ChatMessageCard key={m.seq} message={m} read={m.seq <= readUpTo} />
            ))}
            {view.outbox.map((o) => (
              <OutgoingCard
                key={o.clientMessageId}
                outgoing={o}
                onRetry={() => room.retry(o.clientMessageId)}
              />
            ))}
          </>
        )}
      </QueryView>
      {typing ? (
        <Body tone="muted" testID="chat-typing">
          {t('chat.typing')}
        </Body>
      ) : null}
      <Card testID="chat-compose">
        {view.notice.length > 0 ? (
          <Body tone="warning" testID="chat-masked">
            {t('chat.masked', {
              what: view.notice.map((n) => t(`chat.maskedKind.${n}`)).join(', '),
            })}
          </Body>
        ) : null}
        <Field
          label={t('chat.message')}
          value={text}
          onChangeText={(value) => {
            setText(value);
            room.typing();
          }}
          multiline
        />
        <Button
          label={t('chat.send')}
          disabled={!text.trim()}
          onPress={() => {
            room.send(text.trim());
            setText('');
          }}
        />
      </Card>
    </Screen>
  );
}

function ChatMessageCard({ message: m, read }: { message: ChatMessage; read: boolean }) {
  const { t, i18n } = useTranslation();
  const { account } = useSession();
  const mine = m.senderId !== null && m.senderId === account?.id;
  const who = m.senderId === null ? t('chat.system') : mine ? t('chat.you') : t('chat.them');
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
      {mine ? (
        <Body tone="muted" testID="chat-state">
          {t(read ? 'chat.state.read' : 'chat.state.sent')}
        </Body>
      ) : null}
    </Card>
  );
}

function OutgoingCard({ outgoing: o, onRetry }: { outgoing: Outgoing; onRetry: () => void }) {
  const { t } = useTranslation();
  return (
    <Card testID="chat-message">
      <Body tone="muted">{t('chat.you')}</Body>
      <Body>{o.body}</Body>
      {o.error === undefined ? (
        <Body tone="muted" testID="chat-state">
          {t('chat.state.sending')}
        </Body>
      ) : (
        <>
          <Body tone="danger" testID="chat-state">
            {t('chat.state.failed')}
          </Body>
          <ProblemNotice error={o.error} />
          <Button kind="secondary" label={t('chat.retry')} onPress={onRetry} />
        </>
      )}
    </Card>
  );
}
