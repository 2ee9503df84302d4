import { defineErrors } from '../core/index.js';

export const CatalogErrors = defineErrors({
  CATALOG_DATASET_NOT_FOUND: {
    status: 404,
    description: 'No dataset of that name in the catalogue; `hdh datasets ls` lists them.',
  },
  CATALOG_DATASET_EXISTS: {
    status: 409,
    description: 'A dataset of that name already exists; choose another name or add a version to it.',
  },
  CATALOG_VERSION_NOT_FOUND: {
    status: 404,
    description: 'The dataset has no such version.',
  },
  CATALOG_INVALID_NAME: {
    status: 400,
    description:
      'Dataset names are 1–100 characters of lower-case letters, digits, dots, dashes and underscores, starting with a letter or digit.',
  },
  QUARANTINE_NOT_FOUND: {
    status: 404,
    description: 'No quarantined record with that id in the dataset; `hdh quarantine ls DATASET` lists them.',
  },
  QUARANTINE_ALREADY_RESOLVED: {
    status: 409,
    description: 'The quarantined record was already re-ingested or dismissed.',
  },
});
