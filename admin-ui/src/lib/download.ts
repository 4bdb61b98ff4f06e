import { authedFetch } from '../api/session';
import { problemOf, ProblemError } from './problem';

/**
 * Downloads a file of the API (an export it streams, a KYC document) through the signed-in session
 * (the API wants the Bearer token, which a plain link would not send), reporting the bytes received
 * as they arrive, then hands the file to the browser to save under the API's file name.
 */
export async function downloadApiFile(
  path: string,
  fallbackName: string,
  onProgress: (bytes: number) => void,
): Promise<{ name: string; bytes: number }> {
  const res = await authedFetch(new Request(`${window.location.origin}/api/${path}`));
  if (!res.ok || !res.body) throw new ProblemError(await problemOf(res));
  const reader = res.body.getReader();
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value as Uint8Array<ArrayBuffer>);
    bytes += value.byteLength;
    onProgress(bytes);
  }
  const name =
    /filename="?([^";]+)"?/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? fallbackName;
  const url = URL.createObjectURL(
    new Blob(chunks, { type: res.headers.get('content-type') ?? '' }),
  );
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return { name, bytes };
}
