import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, data } from '../api/client';
import { formatInstant } from '../lib/dates';
import { formatPaise } from '../lib/money';
import { QueryView } from './states';
import { Body, Card, Title } from './ui';

const PATHS = { dealer: '/dealer/escrow/payouts', technician: '/technician/payouts' } as const;

/** A payee's payouts, newest first: each settlement of its account to its bank. */
export function Payouts({ payee }: { payee: keyof typeof PATHS }) {
  const { t, i18n } = useTranslation();
  const payouts = useQuery({
    queryKey: [payee, 'payouts'],
    queryFn: () => data(api.GET(PATHS[payee])),
  });
  return (
    <Card testID="payouts">
      <Title>{t('payouts.title')}</Title>
      <QueryView query={payouts} isEmpty={(p) => p.items.length === 0} empty={t('payouts.empty')}>
        {(page) =>
          page.items.map((p) => (
            <Body key={p.settlementId} testID="payout">
              {t('payouts.line', {
                date: formatInstant(p.postedAt, i18n.language),
                amount: formatPaise(p.amountPaise),
                settlement: p.settlementId,
              })}
            </Body>
          ))
        }
      </QueryView>
    </Card>
  );
}
