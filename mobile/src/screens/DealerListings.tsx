import { useQuery } from '@tanstack/react-query';
import { useRouter } from 'expo-router';
import { Pressable } from 'react-native';
import { useTranslation } from 'react-i18next';
import { api, data, type Schemas } from '../api/client';
import { QueryView } from '../components/states';
import { Body, Button, Card, Row, Screen, Title } from '../components/ui';
import { formatPaise } from '../lib/money';

type Listing = Schemas['ListingDto'];

/** What a listing's review state means for the dealer, in a sentence (README "Parts catalog"). */
export function ReviewState({ listing }: { listing: Listing }) {
  const { t } = useTranslation();
  const explain =
    listing.status === 'paused'
      ? t(
          listing.pausedBy === 'admin'
            ? 'dealer.explain.paused_admin'
            : 'dealer.explain.paused_dealer',
        )
      : t(`dealer.explain.${listing.status}`);
  const held = listing.pendingPrice;
  return (
    <>
      <Row>
        <Body tone={listing.status === 'active' ? 'ok' : 'warning'} testID="listing-status">
          {t(`dealer.status.${listing.status}`)}
        </Body>
      </Row>
      <Body tone="muted">{explain}</Body>
      {listing.statusReason ? (
        <Body tone="danger">{t('dealer.reason', { reason: listing.statusReason })}</Body>
      ) : null}
      {held ? (
        <Body tone="warning" testID="held-price">
          {t('dealer.heldPrice', {
            mrp: formatPaise(held.mrpPaise),
            b2c: formatPaise(held.b2cPricePaise),
            b2b: formatPaise(held.b2bPricePaise),
          })}
        </Body>
      ) : null}
    </>
  );
}

/** The dealer's listings with prices, stock and review state; a new one from here. */
export default function DealerListings() {
  const { t } = useTranslation();
  const router = useRouter();
  const listings = useQuery({
    queryKey: ['dealer-listings'],
    queryFn: () => data(api.GET('/dealer/listings')),
  });
  return (
    <Screen>
      <Button label={t('dealer.newListing')} onPress={() => router.push('/dealer-listing/new')} />
      <QueryView query={listings} isEmpty={(p) => p.items.length === 0} empty={t('dealer.empty')}>
        {(page) =>
          page.items.map((listing) => (
            <Pressable
              key={listing.id}
              role="link"
              accessibilityLabel={listing.name}
              onPress={() => router.push(`/dealer-listing/${listing.id}`)}
            >
              <Card testID="dealer-listing">
                <Title>{listing.name}</Title>
                <Body tone="muted">
                  MRP {formatPaise(listing.mrpPaise)} · B2C {formatPaise(listing.b2cPricePaise)} ·
                  B2B {formatPaise(listing.b2bPricePaise)}
                </Body>
                <Body tone="muted">
                  {t('dealer.stockLine', {
                    onHand: listing.stockOnHand,
                    reserved: listing.stockReserved,
                    available: listing.stockAvailable,
                  })}
                </Body>
                <ReviewState listing={listing} />
              </Card>
            </Pressable>
          ))
        }
      </QueryView>
    </Screen>
  );
}
