/* The ledger table itself: its layout (keys, TTL, definition) and the helper every store writes through. */
export { decodeCursor, encodeCursor, LedgerTable } from './ledger-table';
export { keys, ledgerTableDefinition, TTL_ATTRIBUTE } from './table';
