import { useQuery } from '@tanstack/react-query';
import { useRouter } from 'expo-router';
import { Pressable } from 'react-native';
import { useTranslation } from 'react-i18next';
import { api, data } from '../api/client';
import { QueryView } from '../components/states';
import { Body, Card, Row, Screen, Title } from '../components/ui';
import { formatInstant } from '../lib/dates';
import { formatPaise } from '../lib/money';

/** The buyer's orders, newest first, with their payment state. */
export default function Orders() {
  const { t, i18n } = useTranslation();
  const router = useRouter();
  const orders = useQuery({ queryKey: ['orders'], queryFn: () => data(api.GET('/orders')) });
  return (
    <Screen>
      <QueryView query={orders} isEmpty={(p) => p.items.length === 0} empty={t('orders.empty')}>
        {(page) =>
          page.items.map((order) => {
            const label = t('orders.order', {
              date: formatInstant(order.createdAt, i18n.language),
            });
            return (
              <Pressable
                key={order.id}
                role="link"
                accessibilityLabel={label}
                onPress={() => router.push(`/order/${order.id}`)}
              >
                <Card>
                  <Title>{label}</Title>
                  <Row>
                    <Body>{formatPaise(order.totalPaise)}</Body>
                    <Body tone="muted">{t(`orders.payment.${order.paymentStatus}`)}</Body>
                  </Row>
                </Card>
              </Pressable>
            );
          })
        }
      </QueryView>
    </Screen>
  );
}
