import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Image } from 'react-native';
import { useTranslation } from 'react-i18next';
import { api, apiUrl, data } from '../api/client';
import { pickMedia, uploadListingImage } from '../lib/media';
import { ProblemNotice, QueryView } from './states';
import { Body, Button, Card, Row, Title } from './ui';

/**
 * A dealer's listing photos in display order (the first is the cover): add photos from the device
 * (JPEG, PNG or WebP, one by one; the first refusal says why), move one earlier, delete one.
 */
export function ListingImages({ listingId }: { listingId: string }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const params = { path: { listingId } };
  const images = useQuery({
    queryKey: ['dealer-listing', listingId, 'images'],
    queryFn: () => data(api.GET('/dealer/listings/{listingId}/images', { params })),
  });
  const refresh = () =>
    queryClient.invalidateQueries({ queryKey: ['dealer-listing', listingId, 'images'] });
  const count = images.data?.items.length ?? 0;
  const max = images.data?.maxImages ?? 0;
  const add = useMutation({
    mutationFn: async () => {
      for (const file of await pickMedia(max - count, ['images']))
        await uploadListingImage(listingId, file);
    },
    onSettled: refresh,
  });
  const change = useMutation({
    mutationFn: (step: { delete: string } | { order: string[] }) =>
      'delete' in step
        ? data(
            api.DELETE('/dealer/listings/{listingId}/images/{imageId}', {
              params: { path: { listingId, imageId: step.delete } },
            }),
          )
        : data(
            api.PUT('/dealer/listings/{listingId}/images/order', {
              params,
              body: { imageIds: step.order },
            }),
          ),
    onSettled: refresh,
  });
  return (
    <Card testID="listing-images">
      <Title>{t('dealer.images.title', { count, max })}</Title>
      <QueryView
        query={images}
        isEmpty={(l) => l.items.length === 0}
        empty={t('dealer.images.none')}
      >
        {(list) =>
          list.items.map((image, i) => {
            const n = i + 1;
            const ids = list.items.map((x) => x.id);
            const earlier = () => {
              [ids[i - 1], ids[i]] = [ids[i]!, ids[i - 1]!];
              change.mutate({ order: ids });
            };
            return (
              <Row key={image.id}>
                <Image
                  source={{ uri: apiUrl(image.url) }}
                  accessibilityLabel={t('dealer.images.image', { n })}
                  style={{ width: 96, height: (96 * image.height) / image.width, borderRadius: 6 }}
                />
                {i === 0 ? <Body tone="muted">{t('dealer.images.cover')}</Body> : null}
                {i > 0 ? (
                  <Button
                    kind="secondary"
                    label={t('dealer.images.earlier', { n })}
                    disabled={change.isPending}
                    onPress={earlier}
                  />
                ) : null}
                <Button
                  kind="secondary"
                  label={t('dealer.images.delete', { n })}
                  disabled={change.isPending}
                  onPress={() => change.mutate({ delete: image.id })}
                />
              </Row>
            );
          })
        }
      </QueryView>
      {add.isError ? <ProblemNotice error={add.error} /> : null}
      {change.isError ? <ProblemNotice error={change.error} /> : null}
      <Button
        label={t('dealer.images.add')}
        disabled={add.isPending || images.isPending || count >= max}
        onPress={() => add.mutate()}
      />
    </Card>
  );
}
