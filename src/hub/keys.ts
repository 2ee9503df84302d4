/**
 * Key operations as the CLI (`hdh keys …`) and the API (`/api/keys`, `/api/datasets/{name}/shred`)
 * both run them: each change audited under the actor who asked for it.
 * @module
 */
import type { KeysStatus, MasterRotationResult, ShredResult } from '../kms/index.js';
import type { Hub } from './hub.js';

/** Where the master key lives, its versions, every dataset's keys; never key material. */
export async function keysStatus(hub: Hub): Promise<KeysStatus> {
  return (await hub.datasetKeys()).status();
}

/** A new master key, every dataset key (and the signing key) re-wrapped under it; objects untouched. */
export async function rotateMasterKey(hub: Hub, actor: string): Promise<MasterRotationResult> {
  const dk = await hub.datasetKeys();
  return hub.audit.track(
    { actor, action: 'keys.rotate-master', target: 'keys:master' },
    () => dk.rotateMaster(),
    (r) => ({ previous: r.previous, current: r.current, rewrapped: r.rewrapped, resumed: r.resumed }),
  );
}

/** Destroys every key of a dataset (crypto-shredding): its objects can never be read again. */
export async function shredDataset(hub: Hub, dataset: string, actor: string): Promise<ShredResult> {
  const dk = await hub.datasetKeys();
  return hub.audit.track(
    { actor, action: 'keys.shred', target: `dataset:${dataset}` },
    () => dk.shred(dataset, actor),
    (r) => ({ keyIds: r.keyIds, alreadyDestroyed: r.alreadyDestroyed }),
  );
}
