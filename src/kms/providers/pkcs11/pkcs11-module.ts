/**
 * One loaded PKCS#11 library per process, shared by every provider instance that names it.
 *
 * Why shared: dlopen returns the same library twice, so a second `C_Initialize` answers
 * CKR_CRYPTOKI_ALREADY_INITIALIZED and a `C_Finalize` by one instance would pull the library out
 * from under the others, with their calls in flight (a segfault in pkcs11js). The registry
 * initialises once with CKF_OS_LOCKING_OK (without it, concurrent async calls fail or crash) and
 * finalises when the last lease is released, after every instance has drained its sessions.
 *
 * Login is per application and token, not per session: the first session logs in, later ones are
 * already logged in, and the login ends when the last session on the token closes.
 * @module
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import pkcs11js from 'pkcs11js';
import { KmsErrors } from '../../errors.js';
import { isCkr, translatePkcs11Error } from './pkcs11-errors.js';

export type Handle = Buffer;

interface SlotState {
  sessions: number;
  /** SHA-256 of the PIN this process logged in with, to check later callers' PINs. */
  pinHash?: Buffer;
}

interface LoadedLibrary {
  readonly pk: pkcs11js.PKCS11;
  refs: number;
  /** False when something outside this registry initialised the library: then we never finalise it. */
  readonly ownsInit: boolean;
  readonly slots: Map<string, SlotState>;
}

const LIBRARIES = new Map<string, LoadedLibrary>();

export interface TokenRef {
  readonly slot: Handle;
  readonly info: pkcs11js.TokenInfo;
}

/** A share of a loaded library; `release` once, after every session it opened is closed. */
export interface LibraryLease {
  readonly library: string;
  readonly pk: pkcs11js.PKCS11;
  /** The slot holding the token labelled `label`; KMS_HSM_UNAVAILABLE when there is none or several. */
  findToken(label: string): TokenRef;
  /** Opens a read-write session on `slot`, logged in as the user with `pin`. */
  openSession(slot: Handle, pin: string, tokenLabel: string): Handle;
  closeSession(slot: Handle, session: Handle): void;
  release(): void;
}

function load(library: string): LoadedLibrary {
  const pk = new pkcs11js.PKCS11();
  try {
    pk.load(library);
  } catch (err) {
    throw KmsErrors.KMS_HSM_UNAVAILABLE(
      `cannot load PKCS#11 library ${library}: ${(err as Error).message}; check keys.pkcs11.library`,
      { cause: err },
    );
  }
  let ownsInit = true;
  try {
    pk.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
  } catch (err) {
    if (isCkr(err, 'CKR_CRYPTOKI_ALREADY_INITIALIZED')) {
      ownsInit = false;
    } else {
      pk.close();
      throw KmsErrors.KMS_HSM_UNAVAILABLE(
        `PKCS#11 library ${library} failed to initialise (${(err as Error).message}); for SoftHSM2 check that SOFTHSM2_CONF names a readable configuration`,
        { cause: err },
      );
    }
  }
  return { pk, refs: 0, ownsInit, slots: new Map() };
}

/** Takes a lease on `library`, loading and initialising it on first use in this process. */
export function acquireLibrary(library: string): LibraryLease {
  let loaded = LIBRARIES.get(library);
  if (loaded === undefined) {
    loaded = load(library);
    LIBRARIES.set(library, loaded);
  }
  loaded.refs++;
  const { pk } = loaded;
  const lib = loaded;
  let released = false;

  return {
    library,
    pk,
    findToken(label) {
      const matches: TokenRef[] = [];
      let slots: Handle[];
      try {
        slots = pk.C_GetSlotList(true);
      } catch (err) {
        throw translatePkcs11Error(err, 'listing slots', label);
      }
      for (const slot of slots) {
        const info = pk.C_GetTokenInfo(slot);
        if (info.label.trim() === label) {
          matches.push({ slot, info });
        }
      }
      if (matches.length !== 1) {
        throw KmsErrors.KMS_HSM_UNAVAILABLE(
          matches.length === 0
            ? `no token labelled "${label}" in PKCS#11 library ${library}; check keys.pkcs11.tokenLabel and that the token is initialised`
            : `${matches.length} tokens are labelled "${label}" in PKCS#11 library ${library}; give each token its own label`,
        );
      }
      return matches[0]!;
    },
    openSession(slot, pin, tokenLabel) {
      const key = slot.toString('hex');
      const state = lib.slots.get(key) ?? { sessions: 0 };
      lib.slots.set(key, state);
      let session: Handle;
      try {
        session = pk.C_OpenSession(slot, pkcs11js.CKF_RW_SESSION | pkcs11js.CKF_SERIAL_SESSION);
      } catch (err) {
        throw translatePkcs11Error(err, 'opening a session', tokenLabel);
      }
      state.sessions++;
      const pinHash = createHash('sha256').update(pin).digest();
      try {
        pk.C_Login(session, pkcs11js.CKU_USER, pin);
        state.pinHash = pinHash;
      } catch (err) {
        if (!isCkr(err, 'CKR_USER_ALREADY_LOGGED_IN')) {
          this.closeSession(slot, session);
          throw translatePkcs11Error(err, 'user login', tokenLabel);
        }
        // Already logged in by another instance: the token cannot check this PIN again without
        // logging everyone out, so compare it with the PIN that did log in.
        if (state.pinHash !== undefined && !timingSafeEqual(state.pinHash, pinHash)) {
          this.closeSession(slot, session);
          throw KmsErrors.KMS_HSM_LOGIN_FAILED(
            `HSM token "${tokenLabel}": the PIN differs from the one this process logged in with`,
          );
        }
      }
      return session;
    },
    closeSession(slot, session) {
      const key = slot.toString('hex');
      const state = lib.slots.get(key);
      try {
        pk.C_CloseSession(session);
      } catch {
        // The session is gone either way (token removed, library already torn down).
      }
      if (state !== undefined && --state.sessions <= 0) {
        lib.slots.delete(key);
      }
    },
    release() {
      if (released) {
        return;
      }
      released = true;
      if (--lib.refs > 0) {
        return;
      }
      LIBRARIES.delete(library);
      try {
        if (lib.ownsInit) {
          pk.C_Finalize();
        }
      } finally {
        pk.close();
      }
    },
  };
}
