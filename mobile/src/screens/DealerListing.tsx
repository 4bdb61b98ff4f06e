import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useLocalSearchParams, useRouter } from 'expo-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, data, type Schemas } from '../api/client';
import { ListingImages } from '../components/listing-images';
import { ProblemNotice, QueryView } from '../components/states';
import { Body, Button, Card, Field, Screen, Title } from '../components/ui';
import { paiseToRupees, parseRupees } from '../lib/money';
import { ReviewState } from './DealerListings';

type Listing = Schemas['ListingDto'];
type Create = Schemas['CreateListingDto'];

interface Form {
  name: string;
  sku: string;
  brand: string;
  category: string;
  condition: string;
  models: string;
  hsn: string;
  gstRate: string;
  description: string;
  mrp: string;
  b2c: string;
  b2b: string;
  stock: string;
}

function formOf(l?: Listing): Form {
  return {
    name: l?.name ?? '',
    sku: l?.sku ?? '',
    brand: l?.brand ?? '',
    category: l?.category ?? 'display',
    condition: l?.condition ?? 'new',
    models: l?.compatibleModels.join(', ') ?? '',
    hsn: l?.hsnCode ?? '85177900',
    gstRate: String((l?.gstRateBps ?? 1800) / 100),
    description: l?.description ?? '',
    mrp: l ? paiseToRupees(l.mrpPaise) : '',
    b2c: l ? paiseToRupees(l.b2cPricePaise) : '',
    b2b: l ? paiseToRupees(l.b2bPricePaise) : '',
    stock: String(l?.stockOnHand ?? 0),
  };
}

const details = (f: Form) => ({
  name: f.name,
  brand: f.brand,
  category: f.category as Create['category'],
  condition: f.condition as Create['condition'],
  compatibleModels: f.models
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean),
  hsnCode: f.hsn,
  gstRateBps: (Number(f.gstRate) * 100) as Create['gstRateBps'],
  ...(f.description ? { description: f.description } : {}),
});

/** Prices in paise from the form (the API validates them: a bad amount is sent as 0 and refused there). */
const prices = (f: Form) => ({
  mrpPaise: parseRupees(f.mrp) ?? 0,
  b2cPricePaise: parseRupees(f.b2c) ?? 0,
  b2bPricePaise: parseRupees(f.b2b) ?? 0,
});

export function ListingForm({ listing }: { listing?: Listing }) {
  const { t } = useTranslation();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [form, setForm] = useState(() => formOf(listing));
  const [note, setNote] = useState<string | null>(null);
  const set = (key: keyof Form) => (value: string) => setForm({ ...form, [key]: value });
  const id = listing?.id ?? '';
  const path = { params: { path: { listingId: id } } };
  const act = useMutation({
    mutationFn: async (
      action: 'create' | 'details' | 'prices' | 'stock' | 'submit' | 'pause' | 'resume',
    ) => {
      setNote(null);
      switch (action) {
        case 'create': {
          const created = await data(
            api.POST('/dealer/listings', {
              body: {
                ...details(form),
                ...prices(form),
                sku: form.sku,
                stockOnHand: Number(form.stock),
              },
            }),
          );
          router.replace(`/dealer-listing/${created.id}`);
          return created;
        }
        case 'details':
          return data(api.PATCH('/dealer/listings/{listingId}', { ...path, body: details(form) }));
        case 'prices': {
          const result = await data(
            api.POST('/dealer/listings/{listingId}/price', { ...path, body: prices(form) }),
          );
          setNote(t(result.outcome === 'held' ? 'dealer.pricesHeld' : 'dealer.pricesLive'));
          return result.listing;
        }
        case 'stock':
          return data(
            api.PUT('/dealer/listings/{listingId}/stock', {
              ...path,
              body: { onHand: Number(form.stock) },
            }),
          );
        case 'submit':
          return data(api.POST('/dealer/listings/{listingId}/submit', path));
        case 'pause':
          return data(api.POST('/dealer/listings/{listingId}/pause', path));
        case 'resume':
          return data(api.POST('/dealer/listings/{listingId}/resume', path));
      }
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['dealer-listing'] }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['dealer-listings'] }),
  });
  return (
    <>
      {listing ? (
        <Card>
          <Title>{listing.name}</Title>
          <ReviewState listing={listing} />
        </Card>
      ) : null}
      {act.isError ? <ProblemNotice error={act.error} /> : null}
      {note ? <Body tone="warning">{note}</Body> : null}
      <Card>
        <Field label={t('dealer.name')} value={form.name} onChangeText={set('name')} />
        {!listing ? (
          <Field label={t('dealer.sku')} value={form.sku} onChangeText={set('sku')} />
        ) : null}
        <Field label={t('dealer.brand')} value={form.brand} onChangeText={set('brand')} />
        <Field label={t('dealer.category')} value={form.category} onChangeText={set('category')} />
        <Field
          label={t('dealer.condition')}
          value={form.condition}
          onChangeText={set('condition')}
        />
        <Field label={t('dealer.models')} value={form.models} onChangeText={set('models')} />
        <Field label={t('dealer.hsn')} value={form.hsn} onChangeText={set('hsn')} />
        <Field label={t('dealer.gstRate')} value={form.gstRate} onChangeText={set('gstRate')} />
        <Field
          label={t('dealer.description')}
          value={form.description}
          onChangeText={set('description')}
        />
        {listing ? (
          <Button
            kind="secondary"
            label={t('dealer.saveDetails')}
            onPress={() => act.mutate('details')}
          />
        ) : null}
      </Card>
      <Card>
        <Field
          label={t('dealer.mrp')}
          value={form.mrp}
          onChangeText={set('mrp')}
          keyboardType="decimal-pad"
        />
        <Field
          label={t('dealer.b2c')}
          value={form.b2c}
          onChangeText={set('b2c')}
          keyboardType="decimal-pad"
        />
        <Field
          label={t('dealer.b2b')}
          value={form.b2b}
          onChangeText={set('b2b')}
          keyboardType="decimal-pad"
        />
        {listing ? (
          <Button
            kind="secondary"
            label={t('dealer.savePrices')}
            onPress={() => act.mutate('prices')}
          />
        ) : null}
      </Card>
      <Card>
        <Field
          label={t('dealer.stock')}
          value={form.stock}
          onChangeText={set('stock')}
          keyboardType="number-pad"
        />
        {listing ? (
          <Button
            kind="secondary"
            label={t('dealer.saveStock')}
            onPress={() => act.mutate('stock')}
          />
        ) : null}
      </Card>
      {!listing ? (
        <Button
          label={t('dealer.create')}
          disabled={act.isPending}
          onPress={() => act.mutate('create')}
        />
      ) : null}
      {listing?.status === 'draft' ? (
        <Button label={t('dealer.submit')} onPress={() => act.mutate('submit')} />
      ) : null}
      {listing?.status === 'active' ? (
        <Button kind="secondary" label={t('dealer.pause')} onPress={() => act.mutate('pause')} />
      ) : null}
      {listing?.status === 'paused' && listing.pausedBy === 'dealer' ? (
        <Button label={t('dealer.resume')} onPress={() => act.mutate('resume')} />
      ) : null}
    </>
  );
}

/**
 * A dealer's listing: create (`new`), or edit details, prices and stock, its photos, submit, pause
 * and resume.
 */
export default function DealerListing() {
  const { id } = useLocalSearchParams<{ id: string }>();
  const listing = useQuery({
    queryKey: ['dealer-listing', id],
    queryFn: () =>
      data(api.GET('/dealer/listings/{listingId}', { params: { path: { listingId: id } } })),
    enabled: id !== 'new',
  });
  return (
    <Screen>
      {id === 'new' ? (
        <ListingForm />
      ) : (
        <>
          <QueryView query={listing}>
            {(l) => <ListingForm key={l.version} listing={l} />}
          </QueryView>
          <ListingImages listingId={id} />
        </>
      )}
    </Screen>
  );
}
