/**
 * Registry entry of the s3 backend: credentials from the environment variables the configuration
 * names, part limits from the configuration.
 * @module
 */
import type { S3StoreConfig } from '../../../core/index.js';
import { defineBackend, readCredentialVariables } from '../../backend.js';
import { s3Capabilities } from './s3-config.js';
import { S3Store } from './s3-store.js';

export const s3Backend = defineBackend<S3StoreConfig>({
  kind: 's3',
  description: 'an S3-compatible bucket (OVHcloud, Outscale, Scaleway, Ceph radosgw, AWS)',
  capabilities: (config) => s3Capabilities(config),
  async create(name, config, deps) {
    const credentials = readCredentialVariables(
      name,
      {
        accessKeyId: { field: 'accessKeyIdEnv', variable: config.accessKeyIdEnv },
        secretAccessKey: { field: 'secretAccessKeyEnv', variable: config.secretAccessKeyEnv },
      },
      deps.env ?? process.env,
    );
    const store = new S3Store({ name, config, credentials });
    if (deps.ensureContainer === true) {
      try {
        await store.ensureBucket();
      } catch (err) {
        await store.close();
        throw err;
      }
    }
    return store;
  },
});
