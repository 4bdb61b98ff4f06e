import { useTranslation } from 'react-i18next';
import type { Schemas } from '../api/client';
import { formatInstant } from '../lib/dates';
import { formatPaise } from '../lib/money';
import { Body, Card, Row, Title } from './ui';

type Job = Schemas['RepairJobDto'];

/**
 * A job being worked on, from assignment until the work is finished (the API's ACTIVE_STATUSES):
 * its parties may call each other, and an online software job may have remote sessions.
 */
export const ACTIVE_STATUSES: Job['status'][] = [
  'assigned',
  'en_route',
  'arrived',
  'diagnosing',
  'quoted',
  'awaiting_payment',
  'in_progress',
];

/** A repair as both sides see it: the device, its status, the problem, where and when. */
export function RepairSummary({ job }: { job: Job }) {
  const { t, i18n } = useTranslation();
  return (
    <Card testID="repair">
      <Title>{t('repairs.repair', { brand: job.deviceBrand, model: job.deviceModel })}</Title>
      <Body testID="repair-status">{t(`repairs.status.${job.status}`)}</Body>
      <Body tone="muted">
        {t(`repairs.kinds.${job.kind}`)} · {t(`repairs.modes.${job.mode}`)}
      </Body>
      <Body>{job.problem}</Body>
      {job.address ? <Body tone="muted">{job.address}</Body> : null}
      {job.preferredFrom && job.preferredTo ? (
        <Body tone="muted">
          {t('repairs.window', {
            from: formatInstant(job.preferredFrom, i18n.language),
            to: formatInstant(job.preferredTo, i18n.language),
          })}
        </Body>
      ) : null}
      {job.paidPaise > 0 ? (
        <Body tone="ok">{t('repairs.paid', { amount: formatPaise(job.paidPaise) })}</Body>
      ) : null}
    </Card>
  );
}

/** The status timeline, oldest first, with who moved it (nothing before the first move). */
export function RepairTimeline({ entries }: { entries: Schemas['RepairTimelineEntryDto'][] }) {
  const { t, i18n } = useTranslation();
  if (entries.length === 0) return null;
  return (
    <Card testID="timeline">
      <Body tone="muted">{t('repairs.timeline')}</Body>
      {entries.map((e) => (
        <Body key={`${e.event}-${e.at}`}>
          {formatInstant(e.at, i18n.language)} ·{' '}
          {t(`repairs.status.${e.toStatus as Job['status']}`)} · {t('repairs.by', { by: e.by })}
        </Body>
      ))}
    </Card>
  );
}

/** A quote: each labour and parts line with its GST, the totals before and with GST. */
export function QuoteCard({ quote }: { quote: Schemas['RepairQuoteDto'] }) {
  const { t } = useTranslation();
  return (
    <Card testID="quote">
      <Row>
        <Title>{quote.supplementary ? t('repairs.supplementary') : t('repairs.quote')}</Title>
        <Body tone="muted">{t(`repairs.quoteStatus.${quote.status}`)}</Body>
      </Row>
      {quote.lines.map((line, i) => (
        <Body key={i}>
          {t(`repairs.lineKind.${line.kind}`)}:{' '}
          {t('repairs.line', {
            quantity: line.quantity,
            description: line.description,
            unit: formatPaise(line.unitPaise),
          })}{' '}
          ·{' '}
          {t('repairs.lineTax', {
            taxable: formatPaise(line.taxablePaise),
            rate: line.gstRateBps / 100,
            gst: formatPaise(line.gstPaise),
          })}
        </Body>
      ))}
      {quote.note ? <Body tone="muted">{quote.note}</Body> : null}
      <Body>
        {t('repairs.taxable')}: {formatPaise(quote.taxablePaise)} · {t('repairs.gst')}:{' '}
        {formatPaise(quote.gstPaise)}
      </Body>
      <Title>
        {t('repairs.total')}: {formatPaise(quote.totalPaise)}
      </Title>
    </Card>
  );
}
