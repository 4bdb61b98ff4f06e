import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useLocalSearchParams } from 'expo-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, data, type Schemas } from '../api/client';
import { JobCalls } from '../components/calls';
import { ChatButton } from '../components/chat';
import { DisputesOf, REPAIR_DISPUTE_STATUSES } from '../components/disputes';
import { ACTIVE_STATUSES, QuoteCard, RepairSummary, RepairTimeline } from '../components/repair';
import { remoteRepairFor, TechnicianRemoteRepair } from '../components/remote';
import { REVIEWABLE, Reviews } from '../components/reviews';
import { ProblemNotice, QueryView } from '../components/states';
import { Body, Button, Card, Field, Row, Screen, Title } from '../components/ui';
import { formatInstant } from '../lib/dates';
import { formatPaise, parseRupees } from '../lib/money';
import { fieldError } from '../lib/problem';

type Job = Schemas['RepairJobViewDto'];
type Line = Schemas['QuoteLineDto'];
type Step = 'depart' | 'arrive' | 'diagnose' | 'finish';

/** The step the technician takes next from a status (offline jobs travel; online ones do not). */
function nextStep(job: Job): Step | null {
  if (job.status === 'assigned') return job.mode === 'offline' ? 'depart' : 'diagnose';
  if (job.status === 'en_route') return 'arrive';
  if (job.status === 'arrived') return 'diagnose';
  if (job.status === 'in_progress') return 'finish';
  return null;
}

const STEP_PATHS = {
  depart: '/technician/repairs/{repairJobId}/depart',
  arrive: '/technician/repairs/{repairJobId}/arrive',
  diagnose: '/technician/repairs/{repairJobId}/diagnose',
  finish: '/technician/repairs/{repairJobId}/finish',
} as const;

/**
 * A technician's job: on the way → arrived → diagnosing → the quote (labour and parts lines at
 * their GST rates) → in progress once paid → done; while the customer has to pay, a payment request
 * by link or QR code (what the API returns shown).
 */
export default function TechnicianJob() {
  const { t } = useTranslation();
  const { id } = useLocalSearchParams<{ id: string }>();
  const params = { path: { repairJobId: id } };
  const queryClient = useQueryClient();
  const job = useQuery({
    queryKey: ['technician', 'job', id],
    queryFn: () => data(api.GET('/technician/repairs/{repairJobId}', { params })),
  });
  const timeline = useQuery({
    queryKey: ['technician', 'job', id, 'timeline'],
    queryFn: () => data(api.GET('/technician/repairs/{repairJobId}/timeline', { params })),
  });
  const step = useMutation({
    mutationFn: (s: Step) => data(api.POST(STEP_PATHS[s], { params })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['technician'] }),
  });
  const [moreWork, setMoreWork] = useState(false);
  return (
    <Screen>
      <QueryView query={job}>
        {(j) => {
          const next = nextStep(j);
          return (
            <>
              <RepairSummary job={j} />
              {step.isError ? <ProblemNotice error={step.error} /> : null}
              {next ? (
                <Button
                  label={t(`technician.${next}`)}
                  disabled={step.isPending}
                  onPress={() => step.mutate(next)}
                />
              ) : null}
              {remoteRepairFor(j) ? <TechnicianRemoteRepair repairJobId={id} /> : null}
              {ACTIVE_STATUSES.includes(j.status) ? <JobCalls repairJobId={id} /> : null}
              <ChatButton kind="job" subjectId={id} with="customer" />
              {j.quotes.map((q) => (
                <QuoteCard key={q.id} quote={q} />
              ))}
              {j.status === 'diagnosing' ? <QuoteBuilder id={id} supplement={false} /> : null}
              {j.status === 'in_progress' ? (
                moreWork ? (
                  <QuoteBuilder id={id} supplement />
                ) : (
                  <Button
                    kind="secondary"
                    label={t('technician.quoteMore')}
                    onPress={() => setMoreWork(true)}
                  />
                )
              ) : null}
              {j.status === 'quoted' ? (
                <Body tone="muted">{t('technician.waitingApproval')}</Body>
              ) : null}
              {j.status === 'awaiting_payment' ? <PaymentTerminal id={id} /> : null}
              {j.status === 'done' ? (
                <Body tone="muted">{t('technician.waitingConfirm')}</Body>
              ) : null}
              {REPAIR_DISPUTE_STATUSES.includes(j.status) ? (
                <DisputesOf filter={{ repairJobId: id }} />
              ) : null}
              {REVIEWABLE.includes(j.status) ? <Reviews id={id} side="technician" /> : null}
              <StepBack job={j} />
            </>
          );
        }}
      </QueryView>
      <QueryView query={timeline}>{(entries) => <RepairTimeline entries={entries} />}</QueryView>
    </Screen>
  );
}

interface Draft {
  kind: Line['kind'];
  description: string;
  quantity: string;
  unit: string;
  gstRateBps: Line['gstRateBps'];
}
const RATES: Line['gstRateBps'][] = [0, 500, 1200, 1800, 2800];

/** A line's GST as the API prices it: taxable value × rate, rounded half up to the paisa. */
const gstOf = (taxablePaise: number, rateBps: number) =>
  Math.floor((taxablePaise * rateBps + 5_000) / 10_000);

/**
 * The quote builder: labour and parts lines, each at a GST rate (0 % when not GST-registered); a
 * supplementary quote (more work on a paid job in progress) is built the same way.
 */
function QuoteBuilder({ id, supplement }: { id: string; supplement: boolean }) {
  const readiness = useQuery({
    queryKey: ['technician', 'readiness'],
    queryFn: () => data(api.GET('/technicians/me/readiness')),
  });
  return (
    <QueryView query={readiness}>
      {(r) => <QuoteForm id={id} supplement={supplement} registered={r.gstRegistered} />}
    </QueryView>
  );
}

function QuoteForm({
  id,
  supplement,
  registered,
}: {
  id: string;
  supplement: boolean;
  registered: boolean;
}) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const rates = registered ? RATES : RATES.slice(0, 1);
  const blank = (kind: Line['kind']): Draft => ({
    kind,
    description: '',
    quantity: '1',
    unit: '',
    gstRateBps: registered ? 1800 : 0,
  });
  const [drafts, setDrafts] = useState<Draft[]>([]);
  const [note, setNote] = useState('');
  const set = (i: number, change: Partial<Draft>) =>
    setDrafts(drafts.map((d, j) => (j === i ? { ...d, ...change } : d)));
  const lines = drafts.map((d) => ({
    kind: d.kind,
    description: d.description.trim(),
    quantity: Number(d.quantity),
    unitPaise: parseRupees(d.unit),
    gstRateBps: d.gstRateBps,
  }));
  const complete = lines.every((l) => l.unitPaise !== null && Number.isInteger(l.quantity));
  const total = lines.reduce((sum, l) => {
    const taxable = l.quantity * (l.unitPaise ?? 0);
    return sum + taxable + gstOf(taxable, l.gstRateBps);
  }, 0);
  const send = useMutation({
    mutationFn: () =>
      data(
        api.POST(
          supplement
            ? '/technician/repairs/{repairJobId}/supplements'
            : '/technician/repairs/{repairJobId}/quotes',
          {
            params: { path: { repairJobId: id } },
            body: {
              lines: lines.map((l) => ({ ...l, unitPaise: l.unitPaise ?? 0 })),
              ...(note.trim() ? { note: note.trim() } : {}),
            },
          },
        ),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['technician', 'job', id] }),
  });
  const err = (i: number, field: string) => fieldError(send.error, `lines.${i}.${field}`);
  return (
    <Card testID="quote-builder">
      <Title>{supplement ? t('repairs.supplementary') : t('technician.quoteBuilder')}</Title>
      {drafts.map((d, i) => {
        const n = i + 1;
        return (
          <Card key={i}>
            <Row>
              <Title>{t(`repairs.lineKind.${d.kind}`)}</Title>
              <Button
                kind="secondary"
                label={t('technician.removeLine', { n })}
                onPress={() => setDrafts(drafts.filter((_, j) => j !== i))}
              />
            </Row>
            <Field
              label={t('technician.description', { n })}
              value={d.description}
              onChangeText={(description) => set(i, { description })}
              error={err(i, 'description')}
            />
            <Field
              label={t('technician.quantity', { n })}
              value={d.quantity}
              onChangeText={(quantity) => set(i, { quantity })}
              keyboardType="number-pad"
              error={err(i, 'quantity')}
            />
            <Field
              label={t('technician.unit', { n })}
              value={d.unit}
              onChangeText={(unit) => set(i, { unit })}
              keyboardType="decimal-pad"
              error={err(i, 'unitPaise')}
            />
            <Row>
              {rates.map((rate) => (
                <Button
                  key={rate}
                  kind={d.gstRateBps === rate ? 'primary' : 'secondary'}
                  label={t('technician.gstRate', { rate: rate / 100 })}
                  onPress={() => set(i, { gstRateBps: rate })}
                />
              ))}
            </Row>
            {err(i, 'gstRateBps') ? <Body tone="danger">{err(i, 'gstRateBps')}</Body> : null}
          </Card>
        );
      })}
      <Row>
        <Button
          kind="secondary"
          label={t('technician.addLabour')}
          onPress={() => setDrafts([...drafts, blank('labour')])}
        />
        <Button
          kind="secondary"
          label={t('technician.addParts')}
          onPress={() => setDrafts([...drafts, blank('parts')])}
        />
      </Row>
      <Field label={t('technician.note')} value={note} onChangeText={setNote} multiline />
      {send.isError ? <ProblemNotice error={send.error} /> : null}
      <Button
        label={t('technician.sendQuote', { total: formatPaise(total) })}
        disabled={send.isPending || drafts.length === 0 || !complete}
        onPress={() => send.mutate()}
      />
    </Card>
  );
}

/** The payment terminal: ask the customer to pay by link or QR code; the request as the API has it. */
function PaymentTerminal({ id }: { id: string }) {
  const { t, i18n } = useTranslation();
  const params = { path: { repairJobId: id } };
  const queryClient = useQueryClient();
  const requests = useQuery({
    queryKey: ['technician', 'job', id, 'payment-requests'],
    queryFn: () => data(api.GET('/technician/repairs/{repairJobId}/payment-requests', { params })),
  });
  const act = useMutation({
    mutationFn: (method: 'link' | 'qr' | 'cancel') =>
      method === 'cancel'
        ? data(api.POST('/technician/repairs/{repairJobId}/payment-request/cancel', { params }))
        : data(
            api.POST('/technician/repairs/{repairJobId}/payment-request', {
              params,
              body: { method },
            }),
          ),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['technician', 'job', id] }),
  });
  return (
    <Card testID="payment-terminal">
      <Body tone="muted">{t('technician.waitingPayment')}</Body>
      <QueryView query={requests}>
        {(items) => {
          const open = items.find((r) => r.status === 'open' || r.status === 'creating');
          return (
            <>
              {items.map((r) => (
                <Body key={r.id}>
                  {t('technician.request', {
                    method: r.method === 'qr' ? 'QR' : 'Link',
                    amount: formatPaise(r.amountPaise),
                    status: t(`technician.requestStatus.${r.status}`),
                  })}{' '}
                  · {formatInstant(r.expiresAt, i18n.language)}
                </Body>
              ))}
              {open?.url ? (
                <Body testID="pay-url">{t('technician.payHere', { url: open.url })}</Body>
              ) : null}
              {act.isError ? <ProblemNotice error={act.error} /> : null}
              {open ? (
                <Button
                  kind="secondary"
                  label={t('technician.cancelRequest')}
                  disabled={act.isPending}
                  onPress={() => act.mutate('cancel')}
                />
              ) : (
                <Row>
                  <Button
                    label={t('technician.requestLink')}
                    disabled={act.isPending}
                    onPress={() => act.mutate('link')}
                  />
                  <Button
                    label={t('technician.requestQr')}
                    disabled={act.isPending}
                    onPress={() => act.mutate('qr')}
                  />
                </Row>
              )}
            </>
          );
        }}
      </QueryView>
    </Card>
  );
}

/** The jobs a technician may give back (not paid yet: back to the queue). */
const UNPAID: Job['status'][] = [
  'assigned',
  'en_route',
  'arrived',
  'diagnosing',
  'quoted',
  'awaiting_payment',
];
const STEP_BACK_PATHS = {
  withdraw: '/technician/repairs/{repairJobId}/withdraw',
  cancel: '/technician/repairs/{repairJobId}/cancel',
  withdrawSupplement: '/technician/repairs/{repairJobId}/supplements/withdraw',
} as const;
type StepBackAction = keyof typeof STEP_BACK_PATHS;

/**
 * Stepping back, with a reason: give an unpaid job back to the queue; on a paid job in progress,
 * withdraw an approved supplementary quote the customer has not paid, or cancel the repair (the
 * customer is refunded in full).
 */
function StepBack({ job }: { job: Job }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [reason, setReason] = useState('');
  const act = useMutation({
    mutationFn: (action: StepBackAction) =>
      data(
        api.POST(STEP_BACK_PATHS[action], {
          params: { path: { repairJobId: job.id } },
          body: { reason: reason.trim() },
        }),
      ),
    onSuccess: () => setReason(''),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['technician'] }),
  });
  const unpaidSupplement = job.quotes.some(
    (q) => q.supplementary && q.status === 'approved' && q.paidAt === null,
  );
  const actions: StepBackAction[] = UNPAID.includes(job.status)
    ? ['withdraw']
    : job.status === 'in_progress'
      ? [...(unpaidSupplement ? (['withdrawSupplement'] as const) : []), 'cancel']
      : [];
  if (actions.length === 0) return null;
  return (
    <Card testID="step-back">
      <Body tone="muted">{t(`technician.stepBack.${actions.at(-1)!}Intro`)}</Body>
      <Field
        label={t('technician.stepBack.reason')}
        value={reason}
        onChangeText={setReason}
        error={fieldError(act.error, 'reason')}
      />
      {act.isError ? <ProblemNotice error={act.error} /> : null}
      <Row>
        {actions.map((action) => (
          <Button
            key={action}
            kind="secondary"
            label={t(`technician.stepBack.${action}`)}
            disabled={act.isPending || reason.trim().length < 3}
            onPress={() => act.mutate(action)}
          />
        ))}
      </Row>
    </Card>
  );
}
