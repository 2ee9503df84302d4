export * from './schema.js';
export * from './sovereignty-schema.js';
export { loadConfig, parseConfig, CONFIG_FILE, type LoadedConfig, type ConfigProblem } from './loader.js';
export { editConfigFile } from './writer.js';
export { envName } from './env-overrides.js';
export * from './access-schema.js';
