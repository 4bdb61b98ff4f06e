import { useQuery } from '@tanstack/react-query';
import { useRouter } from 'expo-router';
import { useState } from 'react';
import { Pressable } from 'react-native';
import { useTranslation } from 'react-i18next';
import { api, data, type Schemas } from '../api/client';
import { QueryView } from '../components/states';
import { Body, Button, Card, Field, Row, Screen, Title } from '../components/ui';
import { formatPaise } from '../lib/money';

type Listing = Schemas['CatalogListingDto'];

/** The caller's price (B2C, or B2B for a verified business buyer) with MRP, minimum quantity and tiers. */
export function Price({ listing }: { listing: Listing }) {
  const { t } = useTranslation();
  return (
    <>
      <Row>
        <Title>{listing.pricePaise !== undefined ? formatPaise(listing.pricePaise) : '—'}</Title>
        {listing.channel === 'b2b' ? <Body tone="ok">{t('search.b2bPrice')}</Body> : null}
        <Body tone="muted">{t('search.mrp', { price: formatPaise(listing.mrpPaise) })}</Body>
      </Row>
      {listing.b2bMinQty ? <Body>{t('search.minQty', { count: listing.b2bMinQty })}</Body> : null}
      {listing.tiers?.map((tier) => (
        <Body key={tier.minQty} tone="muted">
          {t('search.tier', { minQty: tier.minQty, price: formatPaise(tier.pricePaise) })}
        </Body>
      ))}
    </>
  );
}

/** Search the catalog (the API corrects typos and says what it searched), filtered by phone model. */
export default function Search() {
  const { t } = useTranslation();
  const router = useRouter();
  const [q, setQ] = useState('');
  const [model, setModel] = useState('');
  const [criteria, setCriteria] = useState({ q: '', model: '' });
  const results = useQuery({
    queryKey: ['catalog', criteria],
    queryFn: () =>
      data(
        api.GET('/catalog/listings', {
          params: {
            query: {
              ...(criteria.q ? { q: criteria.q } : {}),
              ...(criteria.model ? { model: criteria.model } : {}),
            },
          },
        }),
      ),
  });
  const search = () => setCriteria({ q: q.trim(), model: model.trim() });
  return (
    <Screen>
      <Field label={t('search.query')} value={q} onChangeText={setQ} onSubmitEditing={search} />
      <Field
        label={t('search.model')}
        value={model}
        onChangeText={setModel}
        onSubmitEditing={search}
      />
      <Button label={t('search.submit')} onPress={search} />
      <QueryView
        query={results}
        isEmpty={(page) => page.items.length === 0}
        empty={t('search.empty')}
      >
        {(page) => (
          <>
            {page.correctedQuery ? (
              <Body tone="muted" testID="corrected-query">
                {t('search.showingFor', { query: page.correctedQuery })}
              </Body>
            ) : null}
            {page.items.map((listing) => (
              <Pressable
                key={listing.id}
                role="link"
                accessibilityLabel={listing.name}
                onPress={() => router.push(`/listing/${listing.id}`)}
              >
                <Card testID="listing">
                  <Title>{listing.name}</Title>
                  <Body tone="muted">
                    {t('search.fits', { models: listing.compatibleModels.join(', ') })}
                  </Body>
                  <Price listing={listing} />
                  <Body tone={listing.inStock ? 'ok' : 'danger'}>
                    {listing.inStock
                      ? t('search.inStock', { count: listing.available })
                      : t('search.outOfStock')}
                  </Body>
                </Card>
              </Pressable>
            ))}
          </>
        )}
      </QueryView>
    </Screen>
  );
}
