export { Pkcs11KeyProvider, type Pkcs11KeyProviderOptions } from './pkcs11-provider.js';
export { acquireLibrary, type LibraryLease, type TokenRef, type Handle } from './pkcs11-module.js';
export { ckrName, isCkr } from './pkcs11-errors.js';
