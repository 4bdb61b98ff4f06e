import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useLocalSearchParams } from 'expo-router';
import { useTranslation } from 'react-i18next';
import { api, data, type Schemas } from '../api/client';
import { DisputeOutcome } from '../components/disputes';
import { ProblemNotice, QueryView } from '../components/states';
import { Body, Button, Card, Row, Screen, Title } from '../components/ui';
import { formatInstant } from '../lib/dates';
import { MAX_DISPUTE_EVIDENCE, pickMedia, uploadDisputeEvidence } from '../lib/media';

/** A repair's dispute names one of these reasons (a part's is the buyer's words). */
type RepairReason = Schemas['OpenRepairDisputeDto']['reason'];

/**
 * A return or dispute as its buyer follows it: what was said, the dealer's or technician's answer,
 * the evidence (photos and videos, added until it is resolved) and staff's decision.
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
