// The record sealer of docs/formats/sealed-object.md over the OpenSSL that Node exports, shared by
// the synchronous calls (seal.cc) and the file pipe that runs in libuv's thread pool (pipe.cc).
#ifndef HDH_SEALER_H_
#define HDH_SEALER_H_

#include <openssl/evp.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "sha256.h"

namespace hdh {

constexpr size_t kKeyBytes = 32;
constexpr size_t kHashBytes = 32;
constexpr size_t kTagBytes = 16;
constexpr size_t kNonceBytes = 12;
constexpr size_t kAadBytes = kHashBytes + 8 + 1;
constexpr size_t kTrailerPlainBytes = 8 + kHashBytes;

struct Sealer {
  EVP_CIPHER_CTX* cipher = nullptr;
  // Either OpenSSL's digests or, with the CPU's SHA extensions, sha256.h's two-stream one.
  bool fastSha = false;
  bool hashSealed = false;
  EVP_MD_CTX* plainHash = nullptr;
  EVP_MD_CTX* sealedHash = nullptr;
  Sha256 plainSha = {};
  Sha256 sealedSha = {};
  uint8_t aad[kAadBytes] = {};
  uint64_t index = 0;
  uint64_t inChunk = 0;
  uint64_t plainSize = 0;
  uint64_t chunkSize = 0;
  bool finished = false;
  // Set while a file pipe (pipe.cc) owns the sealer on a pool thread: the synchronous calls refuse
  // it meanwhile, and a dispose then only asks the pipe to stop (it frees the sealer when it ends).
  bool piping = false;
  bool disposeWhenIdle = false;
  std::atomic<bool> cancel{false};
};

const EVP_CIPHER* Gcm();
const EVP_MD* Sha256Md();

/** Frees the OpenSSL contexts (the cipher's free cleanses the key schedule). */
void FreeSealer(Sealer* s);

bool HashSealed(Sealer* s, const uint8_t* data, size_t length);
bool FinalPlain(Sealer* s, uint8_t* out);
bool FinalSealed(Sealer* s, uint8_t* out);
void PutU64(uint8_t* to, uint64_t v);
bool BeginRecord(Sealer* s, bool final);
bool Encrypt(Sealer* s, const uint8_t* in, size_t length, uint8_t* out);
bool EndRecord(Sealer* s, uint8_t* out);

/** Bytes SealSpan writes for `plainLength` more plaintext: the ciphertext and a tag per chunk it completes. */
size_t SealRoom(const Sealer* s, size_t plainLength);

/**
 * Seals `plain` into `out` (room for SealRoom bytes), closing each chunk as soon as it is full;
 * sets `*written`. False when OpenSSL failed.
 */
bool SealSpan(Sealer* s, const uint8_t* plain, size_t plainLength, uint8_t* out, size_t* written);

}  // namespace hdh

#endif  // HDH_SEALER_H_
