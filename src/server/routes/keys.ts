/**
 * Keys: `/api/keys` (status, never key material), master key rotation, and crypto-shredding a
 * dataset (`/api/datasets/{name}/shred`), the same functions `hdh keys …` runs, audited.
 */
import { CoreErrors } from '../../core/index.js';
import { keysStatus, rotateMasterKey, shredDataset } from '../../hub/index.js';
import type { RouteModule } from '../context.js';
import { principalOf } from '../context.js';
import { Bearer, DatasetPath, responses } from '../schemas.js';
import { wire } from '../wire.js';
import { KeysStatus, MasterRotation, ShredBody, ShredResult } from '../schemas-ops.js';

export const keyRoutes: RouteModule = (app, { deps, authenticate }) => {
  const hub = deps.operations;
  if (hub === undefined) {
    return;
  }
  const { authorizer } = deps.access;
  const tags = ['keys'];

  app.get(
    '/api/keys',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary: 'Where the master key lives, its versions, every dataset’s keys (never key material)',
        security: Bearer,
        response: responses({ 200: KeysStatus }),
      },
    },
    async (request) => {
      await authorizer.enforce(principalOf(request), 'keys.read', { type: 'hub' });
      return wire(await keysStatus(hub));
    },
  );

  app.post(
    '/api/keys/rotate-master',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary: 'New master key; every dataset key re-wrapped under it (objects are not touched)',
        description:
          'Work is proportional to the number of dataset keys, not to the data, so it completes in the request; an interrupted rotation is resumed by the next call (resumed: true).',
        security: Bearer,
        response: responses({ 200: MasterRotation }),
      },
    },
    async (request) => {
      const principal = principalOf(request);
      await authorizer.enforce(principal, 'keys.manage', { type: 'hub' });
      return wire(await rotateMasterKey(hub, principal.actor));
    },
  );

  app.post(
    '/api/datasets/:name/shred',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary: 'Destroy a dataset’s keys for ever (crypto-shredding); confirm with the dataset name',
        description:
          'Irreversible: every object of the dataset becomes unreadable. The body must repeat the name ({"confirm": "<name>"}). Copies of the wrapped key may survive in database backups: rotate the master key afterwards.',
        security: Bearer,
        params: DatasetPath,
        body: ShredBody,
        response: responses({ 200: ShredResult }),
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const dataset = request.params.name;
      await authorizer.enforce(principal, 'keys.manage', { type: 'dataset', name: dataset });
      if (request.body.confirm !== dataset) {
        throw CoreErrors.INPUT_INVALID(
          `confirm "${request.body.confirm}" differs from the dataset name "${dataset}"; nothing was destroyed`,
        );
      }
      return wire(await shredDataset(hub, dataset, principal.actor));
    },
  );
};
