import { defineErrors } from '../core/index.js';

/**
 * Error codes of the sealed-object format. Every refusal to open an object names what failed and
 * where (header, chunk index, trailer, sealed byte offset) in its message.
 */
export const CryptoErrors = defineErrors({
  CRYPTO_TAMPERED: {
    status: 500,
    description:
      'A sealed object failed authentication: it was altered, truncated, extended or its chunks reordered. The message says where; the object must not be trusted.',
  },
  CRYPTO_OBJECT_MISMATCH: {
    status: 500,
    description:
      'A sealed object authenticates but belongs to another logical object than the one requested: it was renamed or swapped in the store.',
  },
  CRYPTO_WRONG_KEY: {
    status: 500,
    description:
      'The dataset key resolved for a sealed object is not the key it was sealed under (or its key check value was altered); the object cannot be opened with it.',
  },
  CRYPTO_UNSUPPORTED_FORMAT: {
    status: 415,
    description:
      'The object is an hdh sealed object of a format version, algorithm suite or option this hdh does not read; upgrade hdh.',
  },
  CRYPTO_NOT_SEALED: {
    status: 415,
    description: 'The bytes are not an hdh sealed object: they do not start with the sealed-object magic.',
  },
  CRYPTO_RANGE_NOT_SATISFIABLE: {
    status: 416,
    description:
      'A ranged read asked for bytes outside the plaintext of the sealed object; the message gives its size.',
  },
});
