import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRouter } from 'expo-router';
import { useState } from 'react';
import { Pressable } from 'react-native';
import { useTranslation } from 'react-i18next';
import { api, data, type Schemas } from '../api/client';
import { formatInstant } from '../lib/dates';
import { formatPaise } from '../lib/money';
import { fieldError } from '../lib/problem';
import { ProblemNotice, QueryView } from './states';
import { Body, Button, Card, Field, Row, Title } from './ui';

type Dispute = Schemas['DisputeDto'];
type SubOrder = Schemas['SubOrderDto'];
type RepairReason = Schemas['OpenRepairDisputeDto']['reason'];

const REPAIR_REASONS: RepairReason[] = [
  'not_fixed',
  'fault_returned',
  'device_damaged',
  'overcharged',
  'other',
];

/** A repair's statuses where it may have a dispute: disputed once done, resolved into the others. */
export const REPAIR_DISPUTE_STATUSES: Schemas['RepairJobDto']['status'][] = [
  'done',
  'disputed',
  'confirmed',
  'closed',
  'cancelled',
];

/** A part's statuses while a return or dispute of it is open. */
export const PART_DISPUTE_STATUSES: SubOrder['status'][] = ['return_requested', 'disputed'];

/** A dispute's state in one line: its status, and once resolved the outcome (with any refund). */
export function DisputeOutcome({ dispute }: { dispute: Dispute }) {
  const { t } = useTranslation();
  if (dispute.status !== 'resolved' || dispute.resolution === null)
    return <Body testID="dispute-status">{t(`disputes.status.${dispute.status}`)}</Body>;
  return (
    <Body testID="dispute-status" tone="ok">
      {t(`disputes.resolution.${dispute.resolution}`, {
        amount: formatPaise(dispute.refundPaise ?? 0),
      })}
    </Body>
  );
}

/**
 * The disputes of an order (of one of its parts when `subOrderId` is given) or of a repair job that
 * I am a party to (buyer, dealer or technician), newest first, each opening its page; nothing when
 * there are none.
 */
export function DisputesOf({
  filter,
  subOrderId,
}: {
  filter: { orderId: string } | { repairJobId: string };
  subOrderId?: string;
}) {
  const { t, i18n } = useTranslation();
  const router = useRouter();
  const disputes = useQuery({
    queryKey: ['disputes', filter],
    queryFn: () => data(api.GET('/disputes', { params: { query: filter } })),
  });
  return (
    <QueryView query={disputes}>
      {(page) => (
        <>
          {page.items
            .filter((d) => subOrderId === undefined || d.subOrderId === subOrderId)
            .map((d) => (
              <Pressable
                key={d.id}
                role="link"
                accessibilityLabel={t('disputes.open', {
                  kind: t(`disputes.kind.${d.kind}`),
                  date: formatInstant(d.createdAt, i18n.language),
                })}
                onPress={() => router.push(`/dispute/${d.id}`)}
              >
                <Card testID="dispute-summary">
                  <Row>
                    <Title>{t(`disputes.kind.${d.kind}`)}</Title>
                    <Body tone="muted">{formatInstant(d.createdAt, i18n.language)}</Body>
                  </Row>
                  <DisputeOutcome dispute={d} />
                </Card>
              </Pressable>
            ))}
        </>
      )}
    </QueryView>
  );
}

/** Opens a dispute, then shows it (its page takes the evidence). */
function useOpenDispute(open: () => Promise<Dispute>) {
  const router = useRouter();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: open,
    onSuccess: (d) => {
      void queryClient.invalidateQueries({ queryKey: ['disputes'] });
      void queryClient.invalidateQueries({ queryKey: ['order'] });
      void queryClient.invalidateQueries({ queryKey: ['repair'] });
      router.push(`/dispute/${d.id}`);
    },
  });
}

/**
 * A part of an order: a return (delivered, within the return window) or a dispute (shipped or
 * delivered), with the buyer's reason. The API decides the window; the form is offered while the
 * part could qualify.
 */
export function OpenPartDispute({ sub }: { sub: SubOrder }) {
  const { t, i18n } = useTranslation();
  const [kind, setKind] = useState<Dispute['kind'] | null>(null);
  const [reason, setReason] = useState('');
  const withinWindow =
    sub.returnWindowEndsAt !== null && Date.parse(sub.returnWindowEndsAt) > Date.now();
  const kinds: Dispute['kind'][] =
    sub.status === 'shipped'
      ? ['dispute']
      : sub.status === 'delivered' && withinWindow
        ? ['return', 'dispute']
        : [];
  const send = useOpenDispute(() =>
    data(
      api.POST('/orders/{orderId}/sub-orders/{subOrderId}/disputes', {
        params: { path: { orderId: sub.orderId, subOrderId: sub.id } },
        body: { kind: kind!, reason: reason.trim() },
      }),
    ),
  );
  if (kinds.length === 0) return null;
  return (
    <Card testID="open-dispute">
      <Body tone="muted">
        {sub.returnWindowEndsAt
          ? t('disputes.window', { date: formatInstant(sub.returnWindowEndsAt, i18n.language) })
          : t('disputes.shippedOnly')}
      </Body>
      <Row>
        {kinds.map((k) => (
          <Button
            key={k}
            kind={kind === k ? 'primary' : 'secondary'}
            label={t(`disputes.start.${k}`)}
            onPress={() => setKind(k)}
          />
        ))}
      </Row>
      {kind ? (
        <>
          <Field
            label={t('disputes.reason')}
            value={reason}
            onChangeText={setReason}
            multiline
            error={fieldError(send.error, 'reason')}
          />
          {send.isError ? <ProblemNotice error={send.error} /> : null}
          <Button
            label={t(`disputes.send.${kind}`)}
            disabled={send.isPending || !reason.trim()}
            onPress={() => send.mutate()}
          />
        </>
      ) : null}
    </Card>
  );
}

/** A repair marked done: the customer disputes it (a reason and what is wrong) instead of confirming. */
export function OpenRepairDispute({ repairJobId }: { repairJobId: string }) {
  const { t } = useTranslation();
  const [shown, setShown] = useState(false);
  const [reason, setReason] = useState<RepairReason | null>(null);
  const [description, setDescription] = useState('');
  const send = useOpenDispute(() =>
    data(
      api.POST('/repairs/{repairJobId}/disputes', {
        params: { path: { repairJobId } },
        body: { reason: reason!, description: description.trim() },
      }),
    ),
  );
  if (!shown)
    return (
      <Button kind="secondary" label={t('disputes.repairProblem')} onPress={() => setShown(true)} />
    );
  return (
    <Card testID="open-dispute">
      <Body tone="muted">{t('disputes.repairIntro')}</Body>
      <Row>
        {REPAIR_REASONS.map((r) => (
          <Button
            key={r}
            kind={reason === r ? 'primary' : 'secondary'}
            label={t(`disputes.repairReason.${r}`)}
            onPress={() => setReason(r)}
          />
        ))}
      </Row>
      <Field
        label={t('disputes.description')}
        value={description}
        onChangeText={setDescription}
        multiline
        error={fieldError(send.error, 'description')}
      />
      {send.isError ? <ProblemNotice error={send.error} /> : null}
      <Button
        label={t('disputes.send.dispute')}
        disabled={send.isPending || reason === null || !description.trim()}
        onPress={() => send.mutate()}
      />
    </Card>
  );
}
