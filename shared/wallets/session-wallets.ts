import { SESSION_COLUMNS, SESSION_FROM, type SessionRow, type SessionToConfirm } from '../auth/tokens';
import { sqlRows } from '../db/sql';
import { MASKED_CARD_NUMBER } from './card-columns';
import type { AuthenticatedUser } from '../auth/user';

export interface OwnWallet {
  id: string;
  bankName: string;
  /** `************8213` (./card-columns). */
  maskedCardNumber: string;
  /** DECIMAL(17,2) as exact text. */
  balance: string;
}

/**
 * The caller's session, confirmed, and their wallets (oldest first, ties by
 * id) in one read: a row per wallet, or one without a wallet when there is
 * none (LEFT JOIN). For the reads whose first statement would otherwise be
 * the pipeline's session read (see SessionToConfirm).
 */
export async function confirmSessionWithWallets(session: SessionToConfirm): Promise<{ user: AuthenticatedUser; wallets: OwnWallet[] }> {
  const rows = await sqlRows<SessionRow & { walletId: string | null; bankName: string; maskedCardNumber: string; balance: string }>(
    `SELECT ${SESSION_COLUMNS}, w.id AS walletId, w.bank_name AS bankName, ${MASKED_CARD_NUMBER} AS maskedCardNumber, w.balance
     FROM ${SESSION_FROM} LEFT JOIN wallets w ON w.user_id = u.id
     WHERE s.id = ? ORDER BY w.created_at, w.id`,
    [session.key.sessionId],
  );
  const user = session.confirm(rows[0]);
  const wallets = rows.flatMap(({ walletId, bankName, maskedCardNumber, balance }) =>
    walletId === null ? [] : [{ id: walletId, bankName, maskedCardNumber, balance }],
  );
  return { user, wallets };
}
