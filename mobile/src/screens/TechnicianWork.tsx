import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRouter } from 'expo-router';
import { useEffect, useRef, useState } from 'react';
import { Platform } from 'react-native';
import { useTranslation } from 'react-i18next';
import { api, data, type Schemas } from '../api/client';
import { ProblemNotice, QueryView } from '../components/states';
import { Body, Button, Card, Field, Row, Screen, Title } from '../components/ui';
import { formatInstant } from '../lib/dates';
import { FIX_INTERVAL_MS, watchFixes } from '../lib/location';
import { fieldError } from '../lib/problem';
import { km } from './BookRepair';

type Availability = Schemas['AvailabilityDto'];
type Fix = Schemas['LocationFixDto'];

const secondsUntil = (until: string) =>
  Math.max(0, Math.ceil((Date.parse(until) - Date.now()) / 1000));

/** Seconds until an instant, ticking every second (0 once past). */
function useSecondsLeft(until: string): number {
  const [seconds, setSeconds] = useState(() => secondsUntil(until));
  useEffect(() => {
    const timer = setInterval(() => setSeconds(secondsUntil(until)), 1000);
    return () => clearInterval(timer);
  }, [until]);
  return seconds;
}

/**
 * A technician's work: going active or inactive (the readiness `missing` list when the API refuses),
 * the position sent while active (the device's, every 10 s; on the web a typed one), and the offers
 * with their countdown to accept or decline.
 */
export default function TechnicianWork() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const current = useQuery({
    queryKey: ['technician', 'availability'],
    queryFn: () => data(api.GET('/technicians/me/availability')),
  });
  const [changed, setAvailability] = useState<Availability | null>(null);
  // What it was set to here, else what the API says it is now (busy on a job included).
  const availability = changed ?? current.data ?? null;
  const readiness = useQuery({
    queryKey: ['technician', 'readiness'],
    queryFn: () => data(api.GET('/technicians/me/readiness')),
  });
  const toggle = useMutation({
    mutationFn: (next: 'active' | 'inactive') =>
      data(api.PUT('/technicians/me/availability', { body: { availability: next } })),
    onSuccess: setAvailability,
    onError: () => queryClient.invalidateQueries({ queryKey: ['technician', 'readiness'] }),
  });
  const active = availability?.availability === 'active';
  const state = availability?.availability ?? 'unknown';
  return (
    <Screen>
      <Card testID="availability">
        <Title>{t('technician.availability')}</Title>
        <Body testID="availability-state">{t(`technician.availabilityState.${state}`)}</Body>
        {availability?.flagged ? <Body tone="warning">{t('technician.flagged')}</Body> : null}
        <Row>
          <Button
            label={t('technician.goActive')}
            kind={active ? 'secondary' : 'primary'}
            disabled={toggle.isPending || active}
            onPress={() => toggle.mutate('active')}
          />
          <Button
            label={t('technician.goInactive')}
            kind="secondary"
            disabled={toggle.isPending || state === 'inactive'}
            onPress={() => toggle.mutate('inactive')}
          />
        </Row>
        {toggle.isError ? <ProblemNotice error={toggle.error} /> : null}
        {readiness.data && !readiness.data.ready ? (
          <Body tone="warning" testID="missing">
            {t('technician.missing', {
              items: readiness.data.missing.map((m) => t(`technician.missingItem.${m}`)).join(', '),
            })}
          </Body>
        ) : null}
      </Card>
      {active ? <Position /> : null}
      <Offers />
    </Screen>
  );
}

/**
 * The position sent while active: on devices the OS's fixes (with its mock flag), never two within
 * 10 s (the API allows 30 a minute); on the web a typed position, sent when asked.
 */
function Position() {
  const { t, i18n } = useTranslation();
  const [lat, setLat] = useState('');
  const [lng, setLng] = useState('');
  const lastSent = useRef(0);
  const send = useMutation({
    mutationFn: (fix: Fix) => data(api.POST('/technicians/me/location', { body: fix })),
  });
  const sendFix = useRef(send.mutate);
  sendFix.current = send.mutate;
  useEffect(() => {
    if (Platform.OS === 'web') return;
    let subscription: { remove(): void } | null = null;
    let stopped = false;
    void watchFixes((fix) => {
      if (Date.now() - lastSent.current < FIX_INTERVAL_MS) return;
      lastSent.current = Date.now();
      sendFix.current(fix);
    }).then((s) => {
      if (stopped) s?.remove();
      else subscription = s;
    });
    return () => {
      stopped = true;
      subscription?.remove();
    };
  }, []);
  const typed = { lat: Number(lat), lng: Number(lng) };
  const valid = lat.trim() !== '' && lng.trim() !== '' && Number.isFinite(typed.lat + typed.lng);
  return (
    <Card testID="position">
      <Title>{t('technician.location')}</Title>
      {Platform.OS === 'web' ? (
        <>
          <Field
            label={t('repairs.lat')}
            value={lat}
            onChangeText={setLat}
            keyboardType="numeric"
            error={fieldError(send.error, 'lat')}
          />
          <Field
            label={t('repairs.lng')}
            value={lng}
            onChangeText={setLng}
            keyboardType="numeric"
            error={fieldError(send.error, 'lng')}
          />
          <Button
            label={t('technician.sendPosition')}
            disabled={!valid || send.isPending}
            onPress={() => {
              lastSent.current = Date.now();
              send.mutate({ ...typed, accuracyM: 20, recordedAt: new Date().toISOString() });
            }}
          />
        </>
      ) : (
        <Body tone="muted">{t('technician.sharing')}</Body>
      )}
      {send.isSuccess && lastSent.current ? (
        <Body tone="ok">
          {t('technician.positionSent', {
            time: formatInstant(new Date(lastSent.current).toISOString(), i18n.language),
          })}
        </Body>
      ) : null}
      {send.isError ? <ProblemNotice error={send.error} /> : null}
    </Card>
  );
}

/** Open offers, refreshed every 5 s, each with its countdown. */
function Offers() {
  const { t } = useTranslation();
  const offers = useQuery({
    queryKey: ['technician', 'offers'],
    refetchInterval: 5_000,
    queryFn: () => data(api.GET('/technician/offers')),
  });
  return (
    <>
      <Title>{t('technician.offers')}</Title>
      <QueryView query={offers} isEmpty={(o) => o.length === 0} empty={t('technician.noOffers')}>
        {(items) => items.map((offer) => <Offer key={offer.id} offer={offer} />)}
      </QueryView>
    </>
  );
}

function Offer({ offer }: { offer: Schemas['RepairOfferDto'] }) {
  const { t } = useTranslation();
  const router = useRouter();
  const queryClient = useQueryClient();
  const seconds = useSecondsLeft(offer.expiresAt);
  const path = { params: { path: { offerId: offer.id } } };
  const decide = useMutation({
    mutationFn: async (verb: 'accept' | 'decline') => {
      if (verb === 'decline') {
        await data(api.POST('/technician/offers/{offerId}/decline', path));
        return null;
      }
      return data(api.POST('/technician/offers/{offerId}/accept', path));
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['technician'] }),
    onSuccess: (job) => {
      if (job) router.push(`/technician-job/${job.id}`);
    },
  });
  return (
    <Card testID="offer">
      <Row>
        <Title>{t('repairs.repair', { brand: offer.deviceBrand, model: offer.deviceModel })}</Title>
        <Body tone={seconds > 0 ? 'warning' : 'muted'} testID="offer-ttl">
          {seconds > 0 ? t('technician.expiresIn', { seconds }) : t('technician.expired')}
        </Body>
      </Row>
      <Body>{offer.problem}</Body>
      <Body tone="muted">
        {t(`repairs.kinds.${offer.kind}`)} · {t(`repairs.modes.${offer.mode}`)} ·{' '}
        {t('repairs.away', { km: km(offer.distanceM) })}
      </Body>
      {decide.isError ? <ProblemNotice error={decide.error} /> : null}
      <Row>
        <Button
          label={t('technician.accept')}
          disabled={decide.isPending || seconds === 0}
          onPress={() => decide.mutate('accept')}
        />
        <Button
          kind="secondary"
          label={t('technician.decline')}
          disabled={decide.isPending || seconds === 0}
          onPress={() => decide.mutate('decline')}
        />
      </Row>
    </Card>
  );
}
