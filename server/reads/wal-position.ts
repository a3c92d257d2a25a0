/**
 * Positions in PostgreSQL's write-ahead log (pg_lsn, written `16/B374D848`): what a standby has
 * replayed is compared with what the primary had written, to tell whether a read there sees a write.
 */
export type WalPosition = bigint;

const LSN_FORMAT = /^([0-9A-F]{1,8})\/([0-9A-F]{1,8})$/i;

/** The position `text` names, or null when it is not a pg_lsn. */
export function parseWalPosition(text: string): WalPosition | null {
  const match = LSN_FORMAT.exec(text.trim());
  if (!match) return null;
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

export function formatWalPosition(position: WalPosition): string {
  return `${(position >> 32n).toString(16).toUpperCase()}/${(position & 0xffffffffn).toString(16).toUpperCase()}`;
}
