import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, data } from '../api/client';
import { Payouts } from '../components/payouts';
import { QueryView } from '../components/states';
import { Body, Card, Screen, Title } from '../components/ui';
import { formatInstant } from '../lib/dates';
import { formatPaise } from '../lib/money';

/** The technician's earnings statement: totals, per paid job its figures and transfer, then payouts. */
export default function Earnings() {
  const { t, i18n } = useTranslation();
  const earnings = useQuery({
    queryKey: ['technician', 'earnings'],
    queryFn: () => data(api.GET('/technician/earnings')),
  });
  return (
    <Screen>
      <QueryView query={earnings}>
        {(e) => (
          <>
            <Card testID="earnings-totals">
              <Title>
                {t('technician.earnings.balance', { amount: formatPaise(e.payableBalancePaise) })}
              </Title>
              <Body>
                {t('technician.earnings.held', {
                  amount: formatPaise(e.held.amountPaise),
                  count: e.held.count,
                })}
              </Body>
              <Body>
                {t('technician.earnings.released', {
                  gross: formatPaise(e.released.grossPaise),
                  fee: formatPaise(e.released.serviceFeePaise),
                  gst: formatPaise(e.released.gstOnFeePaise),
                  tcs: formatPaise(e.released.tcsPaise),
                  tds: formatPaise(e.released.tdsPaise),
                  net: formatPaise(e.released.netPaise),
                })}
              </Body>
              <Body>
                {t('technician.earnings.refunded', {
                  amount: formatPaise(e.refunded.amountPaise),
                  count: e.refunded.count,
                })}
              </Body>
            </Card>
            {e.items.length === 0 ? (
              <Body tone="muted">{t('technician.earnings.empty')}</Body>
            ) : (
              e.items.map((line) => (
                <Card key={line.holdId} testID="earnings-line">
                  <Title>
                    {t('technician.earnings.line', {
                      date: formatInstant(line.heldAt, i18n.language),
                      gross: formatPaise(line.grossPaise),
                    })}
                  </Title>
                  <Body>
                    {t(`technician.earnings.state.${line.state}`)} ·{' '}
                    {t(`technician.earnings.transfer.${line.transferStatus}`)}
                  </Body>
                  {line.figures ? (
                    <Body tone="muted">
                      {t('technician.earnings.net', {
                        net: formatPaise(line.figures.netPaise),
                        fee: formatPaise(line.figures.serviceFeePaise),
                        gst: formatPaise(line.figures.gstOnFeePaise),
                        tcs: formatPaise(line.figures.tcsPaise),
                        tds: formatPaise(line.figures.tdsPaise),
                      })}
                    </Body>
                  ) : null}
                </Card>
              ))
            )}
          </>
        )}
      </QueryView>
      <Payouts payee="technician" />
    </Screen>
  );
}
