import type { TestApp } from './test-app.js';

/** A METRICS_TOKEN for suites that scrape `/metrics` the way production's scraper does. */
export const TEST_METRICS_TOKEN = 'test-metrics-token-0123456789abcdef';

/** `GET /metrics` with the app's metrics token (if it has one): the exposition text. */
export async function scrapeMetrics(t: TestApp): Promise<string> {
  const token = t.config.metrics.token;
  const res = await fetch(`${t.baseUrl}/metrics`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  if (res.status !== 200)
    throw new Error(`GET /metrics answered ${res.status}: ${await res.text()}`);
  return res.text();
}
