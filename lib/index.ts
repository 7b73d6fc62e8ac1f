/**
 * zds: an embedded document store for Node.js that keeps data in
 * human-readable ZDS folders (JSONL plus a binary index).
 *
 * @packageDocumentation
 */
export { ZdsError, type ZdsErrorCode } from './errors';
export { open, Store, DEFAULT_BATCH_SIZE, type OpenOptions } from './store';
export { Collection, type WithId, type RecoveryReport, type CollectionOptions } from './collection';
export { version, ZdsStore, ZDSStore, ZdsRoot, BulkWriter, type StoreInfo, type RootInfo, type ZdsStoreOptions } from './compat';
