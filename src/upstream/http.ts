// The one HTTP client for every upstream call: keep-alive connections, bounded connect, header
// and body timeouts. Providers receive it through ProviderContext and never open their own.
import { Agent, fetch as undiciFetch } from 'undici';

export type UpstreamFetch = typeof globalThis.fetch;

export function createUpstreamFetch(options: { timeoutMs?: number } = {}): { fetch: UpstreamFetch; close(): Promise<void> } {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const agent = new Agent({
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 120_000,
    connect: { timeout: timeoutMs },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connections: 64,
  });
  const fetch = ((input: Parameters<UpstreamFetch>[0], init?: Parameters<UpstreamFetch>[1]) =>
    undiciFetch(input as never, { ...(init as object), dispatcher: agent } as never)) as unknown as UpstreamFetch;
  return { fetch, close: () => agent.close() };
}
