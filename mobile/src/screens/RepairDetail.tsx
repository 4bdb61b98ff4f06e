import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useLocalSearchParams } from 'expo-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, data, type Schemas } from '../api/client';
import { JobCalls } from '../components/calls';
import { ChatButton } from '../components/chat';
import { ACTIVE_STATUSES, QuoteCard, RepairSummary, RepairTimeline } from '../components/repair';
import { DisputesOf, OpenRepairDispute, REPAIR_DISPUTE_STATUSES } from '../components/disputes';
import { CustomerRemoteRepair, remoteRepairFor } from '../components/remote';
import { REVIEWABLE, Reviews } from '../components/reviews';
import { ProblemNotice, QueryView } from '../components/states';
import { Body, Button, Card, Field, Row, Screen } from '../components/ui';
import { formatPaise } from '../lib/money';
import { payRepair } from '../lib/pay';
import { fieldError } from '../lib/problem';
import { km } from './BookRepair';

type Job = Schemas['RepairJobViewDto'];
type Status = Job['status'];

/** The customer may cancel until the work is done (the API applies the visit-fee policy). */
const CANCELLABLE: Status[] = [
  'matching',
  'awaiting_assignment',
  'assigned',
  'en_route',
  'arrived',
  'diagnosing',
  'quoted',
  'awaiting_payment',
  'in_progress',
];

/**
 * One of the customer's repairs: its status and timeline; the technician on the way (distance and
 * ETA); the quote with its GST to approve or reject, then pay; confirming the work; cancelling with
 * the policy shown; disputing the work once done and following the dispute; the review (blind until
 * both are in or the window closes).
 */
export default function RepairDetail() {
  const { t } = useTranslation();
  const { id } = useLocalSearchParams<{ id: string }>();
  const params = { path: { repairJobId: id } };
  const queryClient = useQueryClient();
  const job = useQuery({
    queryKey: ['repair', id],
    queryFn: () => data(api.GET('/repairs/{repairJobId}', { params })),
  });
  const timeline = useQuery({
    queryKey: ['repair', id, 'timeline'],
    queryFn: () => data(api.GET('/repairs/{repairJobId}/timeline', { params })),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['repair', id] });
  const act = useMutation({
    mutationFn: (call: () => Promise<unknown>) => call(),
    onSettled: () => {
      void refresh();
      void queryClient.invalidateQueries({ queryKey: ['repairs'] });
    },
  });
  const [reason, setReason] = useState('');
  return (
    <Screen>
      <QueryView query={job}>
        {(j) => {
          const proposed = j.quotes.find((q) => q.status === 'proposed');
          const decide = (verb: 'approve' | 'reject') => {
            if (!proposed) return;
            const body = { quoteId: proposed.id };
            const path = proposed.supplementary
              ? verb === 'approve'
                ? '/repairs/{repairJobId}/supplements/approve'
                : '/repairs/{repairJobId}/supplements/decline'
              : verb === 'approve'
                ? '/repairs/{repairJobId}/quote/approve'
                : '/repairs/{repairJobId}/quote/reject';
            act.mutate(() => data(api.POST(path, { params, body })));
          };
          return (
            <>
              <RepairSummary job={j} />
              {j.status === 'en_route' ? <Tracking id={id} /> : null}
              {remoteRepairFor(j) ? <CustomerRemoteRepair repairJobId={id} /> : null}
              {ACTIVE_STATUSES.includes(j.status) ? <JobCalls repairJobId={id} /> : null}
              {j.technicianId ? <ChatButton kind="job" subjectId={id} with="technician" /> : null}
              {j.quotes.map((q) => (
                <QuoteCard key={q.id} quote={q} />
              ))}
              {act.isError ? <ProblemNotice error={act.error} /> : null}
              {proposed ? (
                <Row>
                  <Button
                    label={t('repairs.approve')}
                    disabled={act.isPending}
                    onPress={() => decide('approve')}
                  />
                  <Button
                    kind="secondary"
                    label={t('repairs.reject')}
                    disabled={act.isPending}
                    onPress={() => decide('reject')}
                  />
                </Row>
              ) : null}
              {j.amountDuePaise > 0 ? (
                <>
                  <Button
                    label={t('repairs.pay', { amount: formatPaise(j.amountDuePaise) })}
                    disabled={act.isPending}
                    onPress={() => act.mutate(() => payRepair(id))}
                  />
                  <PaymentRequests id={id} />
                </>
              ) : null}
              {j.status === 'done' ? (
                <Button
                  label={t('repairs.confirm')}
                  disabled={act.isPending}
                  onPress={() =>
                    act.mutate(() => data(api.POST('/repairs/{repairJobId}/confirm', { params })))
                  }
                />
              ) : null}
              {j.status === 'done' ? <OpenRepairDispute repairJobId={id} /> : null}
              {REPAIR_DISPUTE_STATUSES.includes(j.status) ? (
                <DisputesOf filter={{ repairJobId: id }} />
              ) : null}
              {CANCELLABLE.includes(j.status) ? (
                <Card testID="cancel">
                  <Body tone="muted">
                    {j.visitFeePaise !== null
                      ? t('repairs.policy', { fee: formatPaise(j.visitFeePaise) })
                      : t('repairs.policyNoFee')}
                  </Body>
                  <Field
                    label={t('repairs.cancelReason')}
                    value={reason}
                    onChangeText={setReason}
                    error={fieldError(act.error, 'reason')}
                  />
                  <Button
                    kind="secondary"
                    label={t('repairs.cancel')}
                    disabled={act.isPending}
                    onPress={() =>
                      act.mutate(() =>
                        data(
                          api.POST('/repairs/{repairJobId}/cancel', {
                            params,
                            body: reason.trim() ? { reason: reason.trim() } : {},
                          }),
                        ),
                      )
                    }
                  />
                </Card>
              ) : null}
              {REVIEWABLE.includes(j.status) ? <Reviews id={id} side="customer" /> : null}
            </>
          );
        }}
      </QueryView>
      <QueryView query={timeline}>{(entries) => <RepairTimeline entries={entries} />}</QueryView>
    </Screen>
  );
}

/** Where the technician is while on the way (refreshed every 15 s): distance, ETA, position. */
function Tracking({ id }: { id: string }) {
  const { t } = useTranslation();
  const tracking = useQuery({
    queryKey: ['repair', id, 'tracking'],
    refetchInterval: 15_000,
    queryFn: () =>
      data(api.GET('/repairs/{repairJobId}/tracking', { params: { path: { repairJobId: id } } })),
  });
  return (
    <QueryView query={tracking}>
      {(where) => (
        <Card testID="tracking">
          {where.distanceM !== null && where.etaSeconds !== null ? (
            <Body>
              {t('repairs.tracking', {
                km: km(where.distanceM),
                minutes: Math.ceil(where.etaSeconds / 60),
              })}
            </Body>
          ) : (
            <Body tone="muted">{t('repairs.trackingNone')}</Body>
          )}
          {where.position ? (
            <Body tone="muted">
              {t('repairs.trackingPosition', {
                lat: where.position.lat.toFixed(5),
                lng: where.position.lng.toFixed(5),
                age: where.fixAgeSeconds ?? 0,
              })}
            </Body>
          ) : null}
        </Card>
      )}
    </QueryView>
  );
}

/** The technician's open payment request (a link or a QR code), payable instead of in the app. */
function PaymentRequests({ id }: { id: string }) {
  const { t } = useTranslation();
  const requests = useQuery({
    queryKey: ['repair', id, 'payment-requests'],
    queryFn: () =>
      data(
        api.GET('/repairs/{repairJobId}/payment-requests', {
          params: { path: { repairJobId: id } },
        }),
      ),
  });
  const open = requests.data?.find((r) => r.status === 'open' && r.url);
  return open ? <Body tone="muted">{t('repairs.payLink', { url: open.url })}</Body> : null;
}
