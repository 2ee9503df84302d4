export {
  SealedStore,
  type SealingKeys,
  type SealedPutOptions,
  type SealedGetOptions,
  type SealedPutResult,
  type SealedObjectInfo,
  type VerifiedObject,
} from './sealed-store.js';
