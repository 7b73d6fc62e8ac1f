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
export { Query, openScans } from './find';
export { type Filter, type FindOptions, type Fields, type Sort } from './query';
export { AsyncDataset, DatasetView, type ViewSource, type BatchOptions, type ShuffleOptions } from './dataset';
export { ImportJob, type ImportOptions, type ImportProgress, type ImportResult } from './stream';
export {
  pack,
  unpack,
  info,
  verify,
  type PackOptions,
  type UnpackOptions,
  type ArchiveProgress,
  type ArchiveCollection,
  type VerifyReport,
} from './archive';
