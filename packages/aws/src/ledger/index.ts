/* The ledger table itself: its layout (keys, TTL, definition) and the helper every store writes through. */

/** The item a job is stored as (keys and index entries included): for tools that write jobs in bulk. */
export { jobToItem } from './job-item';
/** The stores over the table, for a client that reads only the ledger (the CLI's `jobs` commands). */
export { type LedgerStores, ledgerStores } from './ledger-stores';
export { decodeCursor, encodeCursor, LedgerTable } from './ledger-table';
export { KEY, keys, ledgerTableDefinition, TTL_ATTRIBUTE } from './table';
