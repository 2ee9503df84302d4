/**
 * Registry entry of the azure-blob backend. Credentials, from the environment variables the
 * configuration names: the account key (`accountKeyEnv`, with `accountNameEnv` or the account the
 * endpoint names), or else a SAS token (`sasTokenEnv`).
 * @module
 */
import type { AzureBlobStoreConfig } from '../../../core/index.js';
import { defineBackend, readCredentialVariables } from '../../backend.js';
import { StorageErrors } from '../../errors.js';
import { AZURE_BLOB_CAPABILITIES, accountNameOf, type AzureBlobCredential } from './azure-blob-config.js';
import { AzureBlobStore } from './azure-blob-store.js';

export const azureBlobBackend = defineBackend<AzureBlobStoreConfig>({
  kind: 'azure-blob',
  description: 'an Azure Blob Storage container (block blobs)',
  capabilities: () => AZURE_BLOB_CAPABILITIES,
  async create(name, config, deps) {
    const env = deps.env ?? process.env;
    const store = new AzureBlobStore({ name, config, credential: azureCredential(name, config, env) });
    if (deps.ensureContainer === true) {
      await store.ensureContainer();
    }
    return store;
  },
});

function azureCredential(
  name: string,
  config: AzureBlobStoreConfig,
  env: Readonly<Record<string, string | undefined>>,
): AzureBlobCredential {
  if (config.accountKeyEnv !== undefined) {
    if (config.accountNameEnv === undefined) {
      const accountName = accountNameOf(config.endpoint);
      if (accountName === undefined) {
        throw StorageErrors.STORAGE_CREDENTIALS_MISSING(
          `store ${name}: the endpoint names no account; set accountNameEnv in its configuration`,
        );
      }
      const { accountKey } = readCredentialVariables(
        name,
        { accountKey: { field: 'accountKeyEnv', variable: config.accountKeyEnv } },
        env,
      );
      return { kind: 'shared-key', accountName, accountKey };
    }
    const { accountName, accountKey } = readCredentialVariables(
      name,
      {
        accountName: { field: 'accountNameEnv', variable: config.accountNameEnv },
        accountKey: { field: 'accountKeyEnv', variable: config.accountKeyEnv },
      },
      env,
    );
    return { kind: 'shared-key', accountName, accountKey };
  }
  if (config.sasTokenEnv !== undefined) {
    const { sasToken } = readCredentialVariables(
      name,
      { sasToken: { field: 'sasTokenEnv', variable: config.sasTokenEnv } },
      env,
    );
    return { kind: 'sas', sasToken };
  }
  throw StorageErrors.STORAGE_CREDENTIALS_MISSING(
    `store ${name}: its configuration names no credential; set accountKeyEnv (and accountNameEnv) or sasTokenEnv`,
  );
}
