// calbroker accounts (Cronofy's acc_...).
import { eq } from 'drizzle-orm';
import type { Database } from './database.js';
import { accounts, type Account } from './schema.js';

export async function findAccount(db: Database, accountId: string): Promise<Account | undefined> {
  const [account] = await db.select().from(accounts).where(eq(accounts.id, accountId));
  return account;
}
