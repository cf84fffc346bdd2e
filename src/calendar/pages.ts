// Cronofy-style paging over a snapshot: the first request fetches everything once; later pages are
// served from the snapshot, so walking them yields every item exactly once even if upstream changes.
import { randomSecret } from '../crypto/tokens.js';
import { ApiError } from '../errors.js';
import { Slot } from '../state/slot.js';
import type { StateStore } from '../state/state-store.js';

interface Snapshot {
  /** The grant whose token fetched page 1: pages are filtered for that app. */
  owner: string;
  kind: string;
  items: unknown[];
}

const snapshots = new Slot<Snapshot>('pages', 60 * 60);

export interface Paged<T> {
  pages: { current: number; total: number; next_page?: string };
  items: T[];
}

export class Pager {
  constructor(
    private readonly store: StateStore,
    private readonly publicUrl: string,
    readonly pageSize: number,
  ) {}

  /** Page 1 of `items`; keeps a snapshot for the rest. `path` is e.g. /v1/events/pages. */
  async first<T>(owner: string, kind: string, path: string, items: T[]): Promise<Paged<T>> {
    const total = Math.max(1, Math.ceil(items.length / this.pageSize));
    if (total === 1) return { pages: { current: 1, total }, items };
    const id = randomSecret();
    await snapshots.put(this.store, id, { owner, kind, items });
    return this.page(id, path, 1, items);
  }

  /** A later page, named by the opaque token in next_page. */
  async next<T>(owner: string, kind: string, path: string, token: string): Promise<Paged<T>> {
    const match = /^([A-Za-z0-9_-]{43})\.(\d{1,6})$/.exec(token);
    const snapshot = match ? await snapshots.get(this.store, match[1]!) : undefined;
    // Another grant's or another kind's pages look exactly like expired ones.
    if (!match || !snapshot || snapshot.owner !== owner || snapshot.kind !== kind) {
      throw new ApiError(404, { error: 'not_found', message: 'This page does not exist or has expired; start again from the first page' });
    }
    const number = Number(match[2]);
    if (number < 1 || (number - 1) * this.pageSize >= snapshot.items.length) {
      throw new ApiError(404, { error: 'not_found', message: 'No such page' });
    }
    return this.page(match[1]!, path, number, snapshot.items as T[]);
  }

  private page<T>(id: string, path: string, number: number, items: T[]): Paged<T> {
    const total = Math.ceil(items.length / this.pageSize);
    const next = number < total ? `${this.publicUrl}${path}/${id}.${number + 1}` : undefined;
    return {
      pages: { current: number, total, ...(next && { next_page: next }) },
      items: items.slice((number - 1) * this.pageSize, number * this.pageSize),
    };
  }
}
