/**
 * Test helpers of the storage concept, for its own tests and for wrappers' (the sealed store runs the
 * same conformance suite): the conformance runner, the test servers (Azurite, Ceph radosgw) with
 * fresh buckets, bodies that fail on purpose, and the heap probe for streamed listings.
 * @module
 */
export {
  runConformance,
  errorCode,
  CONFORMANCE_TESTS,
  type ConformanceOptions,
  type ConformanceSkip,
  type ConformanceTest,
} from './conformance.js';
export { heapGrowthWhileIterating, type HeapGrowth } from './heap.js';
export { abortingBody, bytesOf, failingBody, md5Hex, MiB, randomBody, sha256Of } from './test-bodies.js';
export {
  AZURITE_ACCOUNT,
  AZURITE_KEY,
  azureTestServer,
  createAzureContainer,
  freshBucketName,
  removeAzureContainer,
  removeS3Bucket,
  s3TestServer,
  testBlobService,
  testS3Client,
  urlAnswers,
  type AzureTestServer,
  type S3TestServer,
} from './servers.js';
