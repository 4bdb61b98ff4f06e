import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, data, type Schemas } from '../api/client';
import { formatInstant } from '../lib/dates';
import { deviceFingerprint } from '../lib/device';
import { ACTIVE_STATUSES } from './repair';
import { ProblemNotice, QueryView } from './states';
import { Body, Button, Card, Row, Title } from './ui';

type Job = Schemas['RepairJobDto'];
type Session = Schemas['RemoteSessionDto'];
type Permission = Schemas['AcceptConsentDto']['permissions'][number];

/** A job a remote repair is for: online software, still being worked on (the API's rule). */
export function remoteRepairFor(job: Job): boolean {
  return (
    job.kind === 'software' &&
    job.mode === 'online' &&
    job.technicianId !== null &&
    ACTIVE_STATUSES.includes(job.status)
  );
}

/** How often a job's sessions are read again while its page is open (a request, its state). */
const SESSIONS_REFRESH_MS = 5_000;

function useSessions(repairJobId: string) {
  return useQuery({
    queryKey: ['repair', repairJobId, 'remote-sessions'],
    refetchInterval: SESSIONS_REFRESH_MS,
    queryFn: () =>
      data(
        api.GET('/repairs/{repairJobId}/remote-sessions', { params: { path: { repairJobId } } }),
      ),
  });
}

/**
 * The customer's side: the consent notice (what the technician may do, for how long, the data,
 * how to withdraw, their rights) to give or withdraw, then each session the technician asks for —
 * approve or decline it, follow it and its log, end it at any time.
 */
export function CustomerRemoteRepair({ repairJobId }: { repairJobId: string }) {
  const { t, i18n } = useTranslation();
  const params = { path: { repairJobId } };
  const queryClient = useQueryClient();
  const screen = useQuery({
    queryKey: ['repair', repairJobId, 'remote-consent'],
    queryFn: () => data(api.GET('/repairs/{repairJobId}/remote-consent', { params })),
  });
  const [granted, setGranted] = useState<Permission[]>(['remote_session']);
  const consent = useMutation({
    mutationFn: async (verb: 'give' | 'revoke') => {
      const fingerprint = await deviceFingerprint();
      if (verb === 'revoke')
        return data(
          api.POST('/repairs/{repairJobId}/remote-consent/revoke', {
            params,
            body: { deviceFingerprint: fingerprint },
          }),
        );
      return data(
        api.POST('/repairs/{repairJobId}/remote-consent', {
          params,
          body: {
            textVersion: screen.data!.notice.version,
            permissions: granted,
            deviceFingerprint: fingerprint,
          },
        }),
      );
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['repair', repairJobId] }),
  });
  const toggle = (p: Permission) =>
    setGranted(granted.includes(p) ? granted.filter((x) => x !== p) : [...granted, p]);
  return (
    <QueryView query={screen}>
      {({ notice, consent: given }) => (
        <>
          <Card testID="remote-consent">
            <Title>{notice.title}</Title>
            <Body>{notice.purpose}</Body>
            <Body tone="muted">{t('remote.technician', { name: notice.technician.name })}</Body>
            {given?.active ? (
              <>
                <Body tone="ok" testID="consent-state">
                  {t('remote.consentGiven', {
                    permissions: given.permissions
                      .map((p) => t(`remote.permission.${p}`))
                      .join(', '),
                    until: formatInstant(given.expiresAt, i18n.language),
                  })}
                </Body>
                <Body tone="muted">{notice.howToRevoke}</Body>
                {consent.isError ? <ProblemNotice error={consent.error} /> : null}
                <Button
                  kind="secondary"
                  label={t('remote.revoke')}
                  disabled={consent.isPending}
                  onPress={() => consent.mutate('revoke')}
                />
              </>
            ) : (
              <>
                {given?.revokedAt ? (
                  <Body tone="muted" testID="consent-state">
                    {t('remote.consentWithdrawn')}
                  </Body>
                ) : null}
                <Body tone="muted">{t('remote.allows')}</Body>
                {notice.permissions.map((p) => (
                  <Card key={p.permission}>
                    <Button
                      kind={granted.includes(p.permission) ? 'primary' : 'secondary'}
                      label={t('remote.grant', { title: p.title })}
                      onPress={() => toggle(p.permission)}
                    />
                    <Body>{p.description}</Body>
                  </Card>
                ))}
                <Body>{notice.duration.text}</Body>
                <Body tone="muted">{t('remote.data')}</Body>
                {notice.dataProcessed.map((d) => (
                  <Body key={d}>• {d}</Body>
                ))}
                <Body tone="muted">{notice.howToRevoke}</Body>
                <Body tone="muted">{notice.yourRights}</Body>
                {consent.isError ? <ProblemNotice error={consent.error} /> : null}
                <Button
                  label={t('remote.agree')}
                  disabled={consent.isPending || granted.length === 0}
                  onPress={() => consent.mutate('give')}
                />
              </>
            )}
          </Card>
          <RemoteSessions repairJobId={repairJobId} side="customer" />
        </>
      )}
    </QueryView>
  );
}

/** The technician's side: ask for a session (the customer's consent first), follow and end it. */
export function TechnicianRemoteRepair({ repairJobId }: { repairJobId: string }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const sessions = useSessions(repairJobId);
  const ask = useMutation({
    mutationFn: () =>
      data(
        api.POST('/technician/repairs/{repairJobId}/remote-sessions', {
          params: { path: { repairJobId } },
        }),
      ),
    onSettled: () =>
      queryClient.invalidateQueries({ queryKey: ['repair', repairJobId, 'remote-sessions'] }),
  });
  const live = sessions.data?.some((s) => s.status !== 'ended') ?? true;
  return (
    <>
      <Card testID="remote-ask">
        <Title>{t('remote.title')}</Title>
        <Body tone="muted">{t('remote.askIntro')}</Body>
        {ask.isError ? <ProblemNotice error={ask.error} /> : null}
        <Button
          label={t('remote.ask')}
          disabled={ask.isPending || live}
          onPress={() => ask.mutate()}
        />
      </Card>
      <RemoteSessions repairJobId={repairJobId} side="technician" />
    </>
  );
}

/** A job's sessions, newest first: the live one with its actions and log, then the ended ones. */
function RemoteSessions({
  repairJobId,
  side,
}: {
  repairJobId: string;
  side: 'customer' | 'technician';
}) {
  const sessions = useSessions(repairJobId);
  return (
    <QueryView query={sessions}>
      {(items) => (
        <>
          {items.map((s) => (
            <SessionCard key={s.id} session={s} side={side} />
          ))}
        </>
      )}
    </QueryView>
  );
}

function SessionCard({ session: s, side }: { session: Session; side: 'customer' | 'technician' }) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const params = { path: { remoteSessionId: s.id } };
  const act = useMutation({
    mutationFn: (verb: 'approve' | 'end') =>
      data(
        api.POST(
          verb === 'approve'
            ? '/remote-sessions/{remoteSessionId}/approve'
            : '/remote-sessions/{remoteSessionId}/end',
          { params },
        ),
      ),
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: ['repair', s.repairJobId] });
      void queryClient.invalidateQueries({ queryKey: ['remote-session', s.id] });
    },
  });
  const when = (iso: string) => formatInstant(iso, i18n.language);
  const live = s.status !== 'ended';
  return (
    <Card testID="remote-session">
      <Row>
        <Title>{t('remote.session', { date: when(s.requestedAt) })}</Title>
        <Body testID="remote-session-status">{t(`remote.status.${s.status}`)}</Body>
      </Row>
      <Body tone="muted">{t('remote.target', { target: s.target })}</Body>
      {s.hardStopAt && live ? (
        <Body testID="hard-stop">{t('remote.hardStop', { at: when(s.hardStopAt) })}</Body>
      ) : null}
      {s.endedAt ? (
        <Body tone="muted">
          {t('remote.ended', {
            at: when(s.endedAt),
            reason: t(`remote.endReason.${s.endReason as 'hard_stop'}`, {
              defaultValue: s.endReason ?? '',
            }),
          })}
        </Body>
      ) : null}
      <Body tone="muted">
        {t('remote.totals', {
          in: s.totals.bytesCustomerToTechnician,
          out: s.totals.bytesTechnicianToCustomer,
          reconnects: s.totals.reconnects,
        })}
      </Body>
      {act.isError ? <ProblemNotice error={act.error} /> : null}
      {side === 'customer' && s.status === 'requested' ? (
        <>
          <Body>{t('remote.requested')}</Body>
          <Row>
            <Button
              label={t('remote.approve')}
              disabled={act.isPending}
              onPress={() => act.mutate('approve')}
            />
            <Button
              kind="secondary"
              label={t('remote.decline')}
              disabled={act.isPending}
              onPress={() => act.mutate('end')}
            />
          </Row>
        </>
      ) : null}
      {live && (side === 'technician' || s.status !== 'requested') ? (
        <Button
          kind="secondary"
          label={t('remote.end')}
          disabled={act.isPending}
          onPress={() => act.mutate('end')}
        />
      ) : null}
      <SessionLog id={s.id} />
    </Card>
  );
}

/** What happened in a session, oldest first: its moves, the relay's reports, what was opened. */
function SessionLog({ id }: { id: string }) {
  const { t, i18n } = useTranslation();
  const detail = useQuery({
    queryKey: ['remote-session', id],
    refetchInterval: SESSIONS_REFRESH_MS,
    queryFn: () =>
      data(
        api.GET('/remote-sessions/{remoteSessionId}', {
          params: { path: { remoteSessionId: id } },
        }),
      ),
  });
  return (
    <QueryView query={detail}>
      {(d) => {
        const log = [
          ...d.history.map((h) => ({
            at: h.at,
            text: t('remote.logMove', {
              to: t(`remote.status.${h.to as Session['status']}`),
              actor: h.actor,
            }),
          })),
          ...d.relayEvents.map((e) => ({ at: e.at, text: t('remote.logRelay', { type: e.type }) })),
          ...d.activity.map((a) => ({
            at: a.at,
            text: t('remote.logOpened', { service: a.service }),
          })),
        ].sort((a, b) => a.at.localeCompare(b.at));
        return (
          <>
            <Body tone="muted">{t('remote.log')}</Body>
            {log.map((entry, i) => (
              <Body key={i} testID="remote-log">
                {formatInstant(entry.at, i18n.language)} · {entry.text}
              </Body>
            ))}
          </>
        );
      }}
    </QueryView>
  );
}
