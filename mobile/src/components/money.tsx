import { useTranslation } from 'react-i18next';
import type { Schemas } from '../api/client';
import { formatPaise } from '../lib/money';
import { Body, Card } from './ui';

/**
 * The minimum order as the API computed it for this cart (₹500 for consumers, ₹10,000 for business
 * buyers, on the items' total): reached, or the shortfall still to add, shown before checkout.
 */
export function MinimumOrder({
  minimum,
  itemsPaise,
}: {
  minimum: Schemas['MinimumOrderDto'];
  itemsPaise: number;
}) {
  const { t } = useTranslation();
  const amount = formatPaise(minimum.minimumPaise);
  return (
    <Card testID="minimum-order">
      {minimum.met ? (
        <Body tone="ok">{t('cart.minimumMet', { minimum: amount })}</Body>
      ) : (
        <>
          <Body tone="warning">{t('cart.minimum', { minimum: amount })}</Body>
          <Body tone="warning" testID="shortfall">
            {t('cart.shortfall', {
              shortfall: formatPaise(minimum.shortfallPaise),
              items: formatPaise(itemsPaise),
            })}
          </Body>
        </>
      )}
    </Card>
  );
}
