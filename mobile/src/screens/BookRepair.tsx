import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRouter } from 'expo-router';
import { useState } from 'react';
import { Pressable } from 'react-native';
import { useTranslation } from 'react-i18next';
import { api, data, type Schemas } from '../api/client';
import { ProblemNotice, QueryView } from '../components/states';
import { Body, Button, Card, Field, Row, Screen, Title } from '../components/ui';
import { parseIstInput } from '../lib/dates';
import { currentPosition } from '../lib/location';
import { MAX_REPAIR_MEDIA, pickMedia, type PickedMedia, uploadRepairMedia } from '../lib/media';
import { fieldError } from '../lib/problem';

type Request = Schemas['CreateRepairJobDto'];
type Kind = Request['kind'];
type Mode = Request['mode'];

/** A distance in 100 m steps as the user reads it: kilometres with one decimal. */
export const km = (metres: number): string => (metres / 1000).toFixed(1);

const number = (text: string): number | null | undefined => {
  if (!text.trim()) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
};

/**
 * A customer books a repair: the device, the problem, hardware or software, at their place (the
 * device's position with permission, else a typed position or address) or online, a preferred
 * window, optionally a technician picked from the nearby list (offered the job first), and photos
 * or videos of the device from its library, sent one by one once the job exists.
 */
export default function BookRepair() {
  const { t } = useTranslation();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [brand, setBrand] = useState('');
  const [model, setModel] = useState('');
  const [problem, setProblem] = useState('');
  const [kind, setKind] = useState<Kind>('hardware');
  const [mode, setMode] = useState<Mode>('offline');
  const [lat, setLat] = useState('');
  const [lng, setLng] = useState('');
  const [address, setAddress] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [denied, setDenied] = useState(false);
  const [nearbyAt, setNearbyAt] = useState<{ lat: number; lng: number } | null>(null);
  const [picked, setPicked] = useState<Schemas['NearbyTechnicianDto'] | null>(null);
  const [media, setMedia] = useState<PickedMedia[]>([]);

  const position = { lat: number(lat), lng: number(lng) };
  const typedPosition =
    typeof position.lat === 'number' && typeof position.lng === 'number'
      ? { lat: position.lat, lng: position.lng }
      : undefined;
  const times = { from: parseIstInput(from), to: parseIstInput(to) };
  const offline = mode === 'offline';
  const canPick = offline && kind === 'hardware';

  const locate = useMutation({
    mutationFn: currentPosition,
    onSuccess: (found) => {
      setDenied(!found);
      if (!found) return;
      setLat(found.coords.latitude.toFixed(6));
      setLng(found.coords.longitude.toFixed(6));
    },
  });
  const pick = useMutation({
    mutationFn: () => pickMedia(MAX_REPAIR_MEDIA - media.length),
    onSuccess: (files) => setMedia((had) => [...had, ...files].slice(0, MAX_REPAIR_MEDIA)),
  });
  const open = (jobId: string) => router.replace(`/repair/${jobId}`);
  const attach = useMutation({
    mutationFn: async (jobId: string) => {
      for (const file of media) await uploadRepairMedia(jobId, file);
      return jobId;
    },
    onSuccess: open,
  });
  const nearby = useQuery({
    queryKey: ['technicians-nearby', nearbyAt, brand.trim()],
    enabled: nearbyAt !== null,
    queryFn: () =>
      data(
        api.GET('/technicians/nearby', {
          params: {
            query: {
              lat: nearbyAt!.lat,
              lng: nearbyAt!.lng,
              kind: 'hardware',
              ...(brand.trim() ? { brand: brand.trim() } : {}),
            },
          },
        }),
      ),
  });
  const create = useMutation({
    mutationFn: () =>
      data(
        api.POST('/repairs', {
          body: {
            kind,
            mode,
            deviceBrand: brand.trim(),
            deviceModel: model.trim(),
            problem: problem.trim(),
            ...(offline && typedPosition ? { location: typedPosition } : {}),
            ...(offline && address.trim() ? { address: address.trim() } : {}),
            ...(times.from ? { preferredFrom: times.from } : {}),
            ...(times.to ? { preferredTo: times.to } : {}),
            ...(canPick && picked ? { preferredTechnicianId: picked.id } : {}),
          },
        }),
      ),
    onSuccess: (job) => {
      void queryClient.invalidateQueries({ queryKey: ['repairs'] });
      if (media.length > 0) attach.mutate(job.id);
      else open(job.id);
    },
  });
  const err = (field: string) => fieldError(create.error, field);
  const typedWrong = position.lat === null || position.lng === null;
  const timeWrong = times.from === null || times.to === null;

  return (
    <Screen>
      <Title>{t('repairs.book')}</Title>
      <Field
        label={t('repairs.brand')}
        value={brand}
        onChangeText={setBrand}
        error={err('deviceBrand')}
      />
      <Field
        label={t('repairs.model')}
        value={model}
        onChangeText={setModel}
        error={err('deviceModel')}
      />
      <Field
        label={t('repairs.problem')}
        value={problem}
        onChangeText={setProblem}
        multiline
        error={err('problem')}
      />
      <Body tone="muted">{t('repairs.kind')}</Body>
      <Row>
        {(['hardware', 'software'] as const).map((k) => (
          <Button
            key={k}
            kind={kind === k ? 'primary' : 'secondary'}
            label={t(`repairs.kinds.${k}`)}
            onPress={() => setKind(k)}
          />
        ))}
      </Row>
      <Body tone="muted">{t('repairs.mode')}</Body>
      <Row>
        {(['offline', 'online'] as const).map((m) => (
          <Button
            key={m}
            kind={mode === m ? 'primary' : 'secondary'}
            label={t(`repairs.modes.${m}`)}
            onPress={() => setMode(m)}
          />
        ))}
      </Row>
      {offline ? (
        <Card>
          <Button
            kind="secondary"
            label={t('repairs.useMyPosition')}
            disabled={locate.isPending}
            onPress={() => locate.mutate()}
          />
          {denied ? <Body tone="warning">{t('repairs.positionDenied')}</Body> : null}
          {locate.isError ? <ProblemNotice error={locate.error} /> : null}
          <Field
            label={t('repairs.lat')}
            value={lat}
            onChangeText={setLat}
            keyboardType="numeric"
            error={position.lat === null ? t('repairs.badNumber') : err('location')}
          />
          <Field
            label={t('repairs.lng')}
            value={lng}
            onChangeText={setLng}
            keyboardType="numeric"
            error={position.lng === null ? t('repairs.badNumber') : err('location')}
          />
          <Field
            label={t('repairs.address')}
            value={address}
            onChangeText={setAddress}
            error={err('address')}
          />
        </Card>
      ) : null}
      <Field
        label={t('repairs.from')}
        value={from}
        onChangeText={setFrom}
        error={times.from === null ? t('repairs.badTime') : err('preferredFrom')}
      />
      <Field
        label={t('repairs.to')}
        value={to}
        onChangeText={setTo}
        error={times.to === null ? t('repairs.badTime') : err('preferredTo')}
      />
      {canPick ? (
        <Card testID="nearby">
          <Button
            kind="secondary"
            label={t('repairs.findNearby')}
            disabled={!typedPosition}
            onPress={() => setNearbyAt(typedPosition ?? null)}
          />
          {nearbyAt ? (
            <QueryView
              query={nearby}
              isEmpty={(page) => page.items.length === 0}
              empty={t('repairs.nearbyEmpty')}
            >
              {(page) => (
                <>
                  <Button
                    kind={picked ? 'secondary' : 'primary'}
                    label={t('repairs.anyTechnician')}
                    onPress={() => setPicked(null)}
                  />
                  {page.items.map((tech) => (
                    <Pressable
                      key={tech.id}
                      role="button"
                      accessibilityLabel={t('repairs.pick', { name: tech.displayName })}
                      accessibilityState={{ selected: picked?.id === tech.id }}
                      onPress={() => setPicked(tech)}
                    >
                      <Card>
                        <Row>
                          <Title>{tech.displayName}</Title>
                          <Body tone="muted">{t('repairs.away', { km: km(tech.distanceM) })}</Body>
                        </Row>
                        <Body tone="muted">
                          {t('repairs.standing', {
                            rating: tech.rating.toFixed(1),
                            count: tech.ratingCount,
                            jobs: tech.completedJobs,
                          })}
                        </Body>
                        <Body tone="muted">{[...tech.skills, ...tech.brands].join(' · ')}</Body>
                      </Card>
                    </Pressable>
                  ))}
                </>
              )}
            </QueryView>
          ) : null}
          {picked ? (
            <Body tone="ok" testID="picked">
              {t('repairs.picked', { name: picked.displayName })}
            </Body>
          ) : null}
        </Card>
      ) : null}
      <Card testID="media">
        <Button
          kind="secondary"
          label={t('repairs.addMedia')}
          disabled={pick.isPending || media.length >= MAX_REPAIR_MEDIA || create.isSuccess}
          onPress={() => pick.mutate()}
        />
        {media.length > 0 ? (
          <Body tone="muted">
            {t('repairs.mediaPicked', { count: media.length, max: MAX_REPAIR_MEDIA })}
          </Body>
        ) : null}
        {media.map((file) => (
          <Row key={file.uri}>
            <Body>{file.name}</Body>
            <Button
              kind="secondary"
              label={t('repairs.removeMedia', { name: file.name })}
              disabled={create.isSuccess}
              onPress={() => setMedia((had) => had.filter((f) => f.uri !== file.uri))}
            />
          </Row>
        ))}
      </Card>
      {create.isError ? <ProblemNotice error={create.error} /> : null}
      {attach.isPending ? <Body tone="muted">{t('repairs.uploading')}</Body> : null}
      {attach.isError ? (
        <Card testID="upload-failed">
          <Body tone="warning">{t('repairs.uploadFailed')}</Body>
          <ProblemNotice error={attach.error} />
          <Button label={t('repairs.openRepair')} onPress={() => open(create.data!.id)} />
        </Card>
      ) : null}
      <Button
        label={t('repairs.submit')}
        disabled={create.isPending || create.isSuccess || typedWrong || timeWrong}
        onPress={() => create.mutate()}
      />
    </Screen>
  );
}
