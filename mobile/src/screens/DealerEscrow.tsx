import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, data } from '../api/client';
import { Payouts } from '../components/payouts';
import { QueryView } from '../components/states';
import { Body, Card, Screen, Title } from '../components/ui';
import { formatInstant } from '../lib/dates';
import { formatPaise } from '../lib/money';

/**
 * The dealer's escrow statement: the payable balance, what is held, releasable, released (gross,
 * commission, GST on it, TCS, TDS, net), refunded and settled; per sub-order its state and net;
 * then the payouts to its bank.
 */
export default function DealerEscrow() {
  const { t, i18n } = useTranslation();
  const escrow = useQuery({
    queryKey: ['dealer', 'escrow'],
    queryFn: () => data(api.GET('/dealer/escrow')),
  });
  const count = (a: { amountPaise: number; count: number }) => ({
    amount: formatPaise(a.amountPaise),
    count: a.count,
  });
  return (
    <Screen>
      <QueryView query={escrow}>
        {(e) => (
          <>
            <Card testID="escrow-totals">
              <Title>{t('escrow.balance', { amount: formatPaise(e.payableBalancePaise) })}</Title>
              <Body>{t('escrow.held', count(e.held))}</Body>
              <Body>{t('escrow.releasable', count(e.releasable))}</Body>
              <Body>
                {t('escrow.released', {
                  gross: formatPaise(e.released.grossPaise),
                  commission: formatPaise(e.released.commissionPaise),
                  gst: formatPaise(e.released.gstOnCommissionPaise),
                  tcs: formatPaise(e.released.tcsPaise),
                  tds: formatPaise(e.released.tdsPaise),
                  net: formatPaise(e.released.netPaise),
                })}
              </Body>
              <Body>{t('escrow.refunded', count(e.refunded))}</Body>
              <Body>{t('escrow.settled', count(e.settled))}</Body>
            </Card>
            {e.items.length === 0 ? (
              <Body tone="muted">{t('escrow.empty')}</Body>
            ) : (
              e.items.map((line) => (
                <Card key={line.subOrderId} testID="escrow-line">
                  <Title>
                    {t('escrow.line', {
                      date: formatInstant(line.heldAt, i18n.language),
                      amount: formatPaise(line.amountPaise),
                    })}
                  </Title>
                  <Body>{t(`escrow.state.${line.state}`)}</Body>
                  {line.deductions && line.netPaise !== null ? (
                    <Body tone="muted">
                      {t('escrow.net', {
                        net: formatPaise(line.netPaise),
                        commission: formatPaise(line.deductions.commissionPaise),
                        gst: formatPaise(line.deductions.gstOnCommissionPaise),
                        tcs: formatPaise(line.deductions.tcsPaise),
                        tds: formatPaise(line.deductions.tdsPaise),
                      })}
                    </Body>
                  ) : null}
                </Card>
              ))
            )}
          </>
        )}
      </QueryView>
      <Payouts payee="dealer" />
    </Screen>
  );
}
