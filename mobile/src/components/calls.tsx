import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, data, type Schemas } from '../api/client';
import { useSession } from '../auth/session';
import { formatInstant } from '../lib/dates';
import { ProblemNotice, QueryView } from './states';
import { Body, Button, Card, Row, Title } from './ui';

type Call = Schemas['CallDto'];
type Connection = Schemas['CallConnectionDto'];

/** How often a job's calls are read again while its page is open (an incoming call rings). */
const CALLS_REFRESH_MS = 5_000;

/**
 * Calls between a job's customer and its technician while the job is active: start an audio or
 * video call, answer or decline an incoming one, hang up; then the job's call log. The API hands
 * each party a LiveKit room and token; the media itself (LiveKit's client) is not in this build, so
 * the call stops at "ready to join" with the room and the token's lifetime shown.
 */
export function JobCalls({ repairJobId }: { repairJobId: string }) {
  const { t } = useTranslation();
  const { account } = useSession();
  const queryClient = useQueryClient();
  const calls = useQuery({
    queryKey: ['repair', repairJobId, 'calls'],
    refetchInterval: CALLS_REFRESH_MS,
    queryFn: () =>
      data(api.GET('/repairs/{repairJobId}/calls', { params: { path: { repairJobId } } })),
  });
  // The connection the API gave this device (caller's or callee's), until the call ends.
  const [connection, setConnection] = useState<Connection | null>(null);
  const act = useMutation({
    mutationFn: async (
      step:
        | { verb: 'start'; kind: Call['kind'] }
        | { verb: 'accept' | 'decline' | 'end'; callId: string },
    ): Promise<Connection | null> => {
      if (step.verb === 'start')
        return data(
          api.POST('/repairs/{repairJobId}/calls', {
            params: { path: { repairJobId } },
            body: { kind: step.kind },
          }),
        );
      const params = { path: { callId: step.callId } };
      if (step.verb === 'accept') return data(api.POST('/calls/{callId}/accept', { params }));
      await data(
        api.POST(step.verb === 'decline' ? '/calls/{callId}/decline' : '/calls/{callId}/end', {
          params,
        }),
      );
      return null;
    },
    onSuccess: setConnection,
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['repair', repairJobId, 'calls'] }),
  });
  return (
    <Card testID="calls">
      <Title>{t('calls.title')}</Title>
      {act.isError ? <ProblemNotice error={act.error} /> : null}
      <QueryView query={calls}>
        {(items) => {
          const open = items.find((c) => c.status === 'ringing' || c.status === 'active');
          const mine = open && connection?.callId === open.id ? connection : null;
          const incoming = open?.status === 'ringing' && open.calleeId === account?.id;
          return (
            <>
              {!open ? (
                <Row>
                  <Button
                    label={t('calls.audio')}
                    disabled={act.isPending}
                    onPress={() => act.mutate({ verb: 'start', kind: 'audio' })}
                  />
                  <Button
                    label={t('calls.video')}
                    disabled={act.isPending}
                    onPress={() => act.mutate({ verb: 'start', kind: 'video' })}
                  />
                </Row>
              ) : (
                <Card testID="open-call">
                  <Body testID="call-state">
                    {incoming
                      ? t('calls.incoming', { kind: t(`calls.kind.${open.kind}`) })
                      : t(`calls.state.${open.status as 'ringing' | 'active'}`)}
                  </Body>
                  {mine ? (
                    <Body tone="muted" testID="call-connection">
                      {t('calls.ready', { room: mine.room, url: mine.url })}
                    </Body>
                  ) : null}
                  <Row>
                    {incoming ? (
                      <>
                        <Button
                          label={t('calls.accept')}
                          disabled={act.isPending}
                          onPress={() => act.mutate({ verb: 'accept', callId: open.id })}
                        />
                        <Button
                          kind="secondary"
                          label={t('calls.decline')}
                          disabled={act.isPending}
                          onPress={() => act.mutate({ verb: 'decline', callId: open.id })}
                        />
                      </>
                    ) : (
                      <Button
                        kind="secondary"
                        label={t('calls.hangUp')}
                        disabled={act.isPending}
                        onPress={() => act.mutate({ verb: 'end', callId: open.id })}
                      />
                    )}
                  </Row>
                </Card>
              )}
              <CallLog calls={items.filter((c) => c !== open)} me={account?.id} />
            </>
          );
        }}
      </QueryView>
    </Card>
  );
}

/** The job's past calls, newest first: who called, when, how long or why it ended. */
function CallLog({ calls, me }: { calls: Call[]; me: string | undefined }) {
  const { t, i18n } = useTranslation();
  if (calls.length === 0) return <Body tone="muted">{t('calls.none')}</Body>;
  return (
    <>
      {calls.map((c) => (
        <Body key={c.id} testID="call-log">
          {formatInstant(c.createdAt, i18n.language)} ·{' '}
          {t(c.callerId === me ? 'calls.outgoing' : 'calls.received', {
            kind: t(`calls.kind.${c.kind}`),
          })}{' '}
          ·{' '}
          {c.durationSeconds !== null
            ? t('calls.lasted', {
                minutes: Math.floor(c.durationSeconds / 60),
                seconds: Math.round(c.durationSeconds % 60),
              })
            : t(`calls.state.${c.status}`)}
        </Body>
      ))}
    </>
  );
}
