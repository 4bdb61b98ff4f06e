import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useLocalSearchParams } from 'expo-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, data, type Schemas } from '../api/client';
import { useSession } from '../auth/session';
import { DisputeOutcome } from '../components/disputes';
import { ProblemNotice, QueryView } from '../components/states';
import { Body, Button, Card, Field, Row, Screen, Title } from '../components/ui';
import { formatInstant } from '../lib/dates';
import { MAX_DISPUTE_EVIDENCE, pickMedia, uploadDisputeEvidence } from '../lib/media';
import { fieldError } from '../lib/problem';

/** A repair's dispute names one of these reasons (a part's is the buyer's words). */
type RepairReason = Schemas['OpenRepairDisputeDto']['reason'];

/**
 * A return or dispute as its parties follow it: what the buyer said, the dealer's or technician's
 * answer (given here by them), the evidence (photos and videos, added by either until it is
 * resolved) and staff's decision.
 */
export default function DisputeDetail() {
  const { t, i18n } = useTranslation();
  const { id } = useLocalSearchParams<{ id: string }>();
  const queryClient = useQueryClient();
  const dispute = useQuery({
    queryKey: ['dispute', id],
    queryFn: () => data(api.GET('/disputes/{id}', { params: { path: { id } } })),
  });
  const count = dispute.data?.evidence.length ?? 0;
  // Picked files go one by one; the first refusal stops the rest and says why.
  const add = useMutation({
    mutationFn: async () => {
      for (const file of await pickMedia(MAX_DISPUTE_EVIDENCE - count))
        await uploadDisputeEvidence(id, file);
    },
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: ['dispute', id] });
      void queryClient.invalidateQueries({ queryKey: ['disputes'] });
    },
  });
  return (
    <Screen>
      <QueryView query={dispute}>
        {(d) => {
          const answer = d.dealerResponse ?? d.technicianResponse;
          const resolved = d.status === 'resolved';
          return (
            <>
              <Card testID="dispute">
                <Row>
                  <Title>{t(`disputes.kind.${d.kind}`)}</Title>
                  <Body tone="muted">{formatInstant(d.createdAt, i18n.language)}</Body>
                </Row>
                <DisputeOutcome dispute={d} />
                <Body>
                  {d.repairJobId
                    ? t(`disputes.repairReason.${d.reason as RepairReason}`)
                    : d.reason}
                </Body>
                {d.description ? <Body>{d.description}</Body> : null}
              </Card>
              <Card testID="dispute-answer">
                <Body tone="muted">
                  {t(d.repairJobId ? 'disputes.technicianAnswer' : 'disputes.dealerAnswer')}
                </Body>
                <Body>{answer ?? t('disputes.noAnswer')}</Body>
                {!resolved ? <Respond dispute={d} /> : null}
              </Card>
              {resolved ? (
                <Card testID="dispute-decision">
                  <Body tone="muted">
                    {t('disputes.decided', {
                      date: formatInstant(d.resolvedAt ?? d.createdAt, i18n.language),
                    })}
                  </Body>
                  {d.resolutionReason ? <Body>{d.resolutionReason}</Body> : null}
                </Card>
              ) : null}
              <Card testID="evidence">
                <Title>{t('disputes.evidence', { count, max: MAX_DISPUTE_EVIDENCE })}</Title>
                {d.evidence.map((e) => (
                  <Body key={e.id} tone="muted">
                    {t(
                      `disputes.evidenceKind.${e.contentType.startsWith('video/') ? 'video' : 'photo'}`,
                    )}{' '}
                    · {t(`disputes.by.${e.role}`)} · {formatInstant(e.createdAt, i18n.language)}
                  </Body>
                ))}
                {add.isError ? <ProblemNotice error={add.error} /> : null}
                {resolved ? null : (
                  <Button
                    label={t('disputes.addEvidence')}
                    disabled={add.isPending || count >= MAX_DISPUTE_EVIDENCE}
                    onPress={() => add.mutate()}
                  />
                )}
              </Card>
            </>
          );
        }}
      </QueryView>
    </Screen>
  );
}

/** The dealer of the part or the technician of the repair answers (again, until it is resolved). */
function Respond({ dispute }: { dispute: Schemas['DisputeDto'] }) {
  const { t } = useTranslation();
  const { account } = useSession();
  const queryClient = useQueryClient();
  const [message, setMessage] = useState('');
  const dealer = account !== null && dispute.dealerId === account.id;
  const technician = account !== null && dispute.technicianId === account.id;
  const send = useMutation({
    mutationFn: () =>
      data(
        api.POST(dealer ? '/dealer/disputes/{id}/respond' : '/technician/disputes/{id}/respond', {
          params: { path: { id: dispute.id } },
          body: { message: message.trim() },
        }),
      ),
    onSuccess: (answered) => {
      setMessage('');
      queryClient.setQueryData(['dispute', dispute.id], answered);
      void queryClient.invalidateQueries({ queryKey: ['disputes'] });
    },
  });
  if (!dealer && !technician) return null;
  return (
    <>
      <Field
        label={t('disputes.yourAnswer')}
        value={message}
        onChangeText={setMessage}
        multiline
        error={fieldError(send.error, 'message')}
      />
      {send.isError ? <ProblemNotice error={send.error} /> : null}
      <Button
        label={t('disputes.sendAnswer')}
        disabled={send.isPending || !message.trim()}
        onPress={() => send.mutate()}
      />
    </>
  );
}
