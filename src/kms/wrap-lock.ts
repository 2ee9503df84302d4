/**
 * The database lock every writer of a master-key-wrapped record takes (dataset keys, the hub signing
 * key) and that master key rotation takes for its final check. Holding it while wrapping and
 * storing guarantees that rotation never retires a master key that a record written at the same
 * moment, by any process, still depends on.
 * @module
 */
export const KMS_WRAP_LOCK = 'hdh:kms:wrap';
