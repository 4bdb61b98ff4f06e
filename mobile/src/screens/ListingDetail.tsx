import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useLocalSearchParams } from 'expo-router';
import { useState } from 'react';
import { Image, ScrollView } from 'react-native';
import { useTranslation } from 'react-i18next';
import { api, apiUrl, data } from '../api/client';
import { ProblemNotice, QueryView } from '../components/states';
import { Body, Button, Card, Field, Screen, Title } from '../components/ui';
import { Price } from './Search';

/** A listing with its photos; a quantity into the cart (a business buyer starts at the B2B minimum). */
export default function ListingDetail() {
  const { t } = useTranslation();
  const { id } = useLocalSearchParams<{ id: string }>();
  const queryClient = useQueryClient();
  const listing = useQuery({
    queryKey: ['listing', id],
    queryFn: () => data(api.GET('/catalog/listings/{id}', { params: { path: { id } } })),
  });
  const [quantity, setQuantity] = useState<string | null>(null);
  const add = useMutation({
    mutationFn: (qty: number) =>
      data(
        api.PUT('/cart/items/{listingId}', {
          params: { path: { listingId: id } },
          body: { quantity: qty },
        }),
      ),
    onSuccess: (cart) => queryClient.setQueryData(['cart'], cart),
  });
  return (
    <Screen>
      <QueryView query={listing}>
        {(l) => {
          const qty = quantity ?? String(l.b2bMinQty ?? 1);
          return (
            <>
              <ScrollView horizontal contentContainerStyle={{ gap: 8 }}>
                {l.images.length === 0 ? <Body tone="muted">{t('listing.noImages')}</Body> : null}
                {l.images.map((image) => (
                  <Image
                    key={image.id}
                    source={{ uri: apiUrl(image.url) }}
                    accessibilityLabel={l.name}
                    style={{
                      width: 220,
                      height: (220 * image.height) / image.width,
                      borderRadius: 8,
                    }}
                  />
                ))}
              </ScrollView>
              <Card>
                <Title>{l.name}</Title>
                <Body tone="muted">
                  {l.brand} · {l.condition} ·{' '}
                  {t('search.fits', { models: l.compatibleModels.join(', ') })}
                </Body>
                <Price listing={l} />
                <Body tone="muted">{t('search.soldBy', { dealer: l.dealer.businessName })}</Body>
                {l.description ? <Body>{l.description}</Body> : null}
                <Body tone={l.inStock ? 'ok' : 'danger'}>
                  {l.inStock ? t('search.inStock', { count: l.available }) : t('search.outOfStock')}
                </Body>
              </Card>
              <Field
                label={t('listing.quantity')}
                value={qty}
                onChangeText={setQuantity}
                keyboardType="number-pad"
              />
              {add.isError ? <ProblemNotice error={add.error} /> : null}
              {add.isSuccess ? <Body tone="ok">{t('listing.added')}</Body> : null}
              <Button
                label={t('listing.addToCart')}
                disabled={!l.inStock || add.isPending || !(Number(qty) > 0)}
                onPress={() => add.mutate(Number(qty))}
              />
            </>
          );
        }}
      </QueryView>
    </Screen>
  );
}
