// Native sealing of the records of docs/formats/sealed-object.md, against the OpenSSL that Node
// itself exports. node:crypto's cipher.update allocates and zero-fills a fresh buffer per call; here
// the caller hands one output buffer and the plaintext and sealed-bytes SHA-256 are updated in the
// same pass, slice by slice, while the slice is still in cache.
#include <node_api.h>

#include <cstdint>
#include <cstring>

#include "napi-util.h"
#include "pipe.h"
#include "update-async.h"
#include "sealer.h"

namespace hdh {
namespace {

void Finalize(napi_env, void* data, void*) {
  Sealer* s = static_cast<Sealer*>(data);
  FreeSealer(s);
  delete s;
}

// sealerCreate(dataKey, headerHash, header, chunkSize, hashSealed, fastSha) → external. The header
// is only hashed (the caller emits it), so that the sealed-bytes digest covers the whole object.
// fastSha asks for sha256.h where the CPU allows it (false: OpenSSL's digests, for the tests).
napi_value Create(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  uint8_t *key, *headerHash, *header;
  size_t keyLength, hashLength, headerLength;
  double chunkSize = 0;
  bool hashSealed = false;
  bool fastSha = false;
  if (argc < 6 || !GetBytes(env, argv[0], &key, &keyLength) || keyLength != kKeyBytes ||
      !GetBytes(env, argv[1], &headerHash, &hashLength) || hashLength != kHashBytes ||
      !GetBytes(env, argv[2], &header, &headerLength) ||
      napi_get_value_double(env, argv[3], &chunkSize) != napi_ok || !(chunkSize >= 1) ||
      chunkSize > 1 << 30 || napi_get_value_bool(env, argv[4], &hashSealed) != napi_ok ||
      napi_get_value_bool(env, argv[5], &fastSha) != napi_ok) {
    return Throw(env, "sealerCreate: bad arguments");
  }
  Sealer* s = new Sealer();
  s->chunkSize = static_cast<uint64_t>(chunkSize);
  std::memcpy(s->aad, headerHash, kHashBytes);
  s->hashSealed = hashSealed;
  // One stream alone gains nothing over OpenSSL's own SHA-extensions code: only the pair is interleaved.
  s->fastSha = fastSha && hashSealed && Sha256Available();
  s->cipher = EVP_CIPHER_CTX_new();
  bool ok = s->cipher != nullptr &&
            EVP_EncryptInit_ex(s->cipher, Gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(s->cipher, EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr) == 1 &&
            EVP_EncryptInit_ex(s->cipher, nullptr, nullptr, key, nullptr) == 1;
  if (ok && s->fastSha) {
    Sha256Init(&s->plainSha);
    Sha256Init(&s->sealedSha);
  } else if (ok) {
    s->plainHash = EVP_MD_CTX_new();
    s->sealedHash = hashSealed ? EVP_MD_CTX_new() : nullptr;
    ok = s->plainHash != nullptr && (!hashSealed || s->sealedHash != nullptr) &&
         EVP_DigestInit_ex(s->plainHash, Sha256Md(), nullptr) == 1 &&
         (!hashSealed || EVP_DigestInit_ex(s->sealedHash, Sha256Md(), nullptr) == 1);
  }
  ok = ok && HashSealed(s, header, headerLength);
  napi_value result;
  if (!ok || napi_create_external(env, s, Finalize, nullptr, &result) != napi_ok) {
    FreeSealer(s);
    delete s;
    return Throw(env, "sealerCreate: OpenSSL refused the cipher or digest");
  }
  return result;
}

// sealerUpdate(sealer, plain, out, outOffset) → bytes written at out[outOffset..]: the ciphertext
// of `plain`, with the tag of every chunk it completes in place. The caller sizes `out` with
// SealRoom's rule; a chunk is closed as soon as it is full, as the JS stream does.
napi_value Update(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  Sealer* s = SealerCall(env, info, argv);
  uint8_t *plain, *out;
  size_t plainLength, outLength, at;
  if (s == nullptr || s->finished || !GetBytes(env, argv[1], &plain, &plainLength) ||
      !GetOutput(env, argv[2], argv[3], &out, &outLength, &at)) {
    return Throw(env, "sealerUpdate: bad arguments, or the sealer is finished or busy");
  }
  if (outLength - at < SealRoom(s, plainLength)) {
    return Throw(env, "sealerUpdate: output buffer too small");
  }
  size_t written = 0;
  if (!SealSpan(s, plain, plainLength, out + at, &written)) return Throw(env, "sealerUpdate: OpenSSL failed");
  napi_value result;
  napi_create_double(env, static_cast<double>(written), &result);
  return result;
}

// sealerFinal(sealer, out, outOffset) → [written, plainSha256, sealedSha256 | null]: the tag of the
// last partial chunk, if any, then the trailer record (plaintext size ‖ plaintext SHA-256, sealed
// as the final record). The sealer's key is wiped.
napi_value Final(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  Sealer* s = SealerCall(env, info, argv);
  uint8_t* out;
  size_t outLength, at;
  if (s == nullptr || s->finished || !GetOutput(env, argv[1], argv[2], &out, &outLength, &at)) {
    return Throw(env, "sealerFinal: bad arguments, or the sealer is finished or busy");
  }
  size_t need = (s->inChunk > 0 ? kTagBytes : 0) + kTrailerPlainBytes + kTagBytes;
  if (outLength - at < need) return Throw(env, "sealerFinal: output buffer too small");
  size_t start = at;
  if (s->inChunk > 0) {
    if (!EndRecord(s, out + at)) return Throw(env, "sealerFinal: tag failed");
    at += kTagBytes;
    s->inChunk = 0;
    s->index++;
  }
  uint8_t trailer[kTrailerPlainBytes];
  napi_value plainDigest, sealedDigest;
  void* plainDigestData;
  if (napi_create_buffer(env, kHashBytes, &plainDigestData, &plainDigest) != napi_ok) {
    return Throw(env, "sealerFinal: out of memory");
  }
  PutU64(trailer, s->plainSize);
  if (!FinalPlain(s, trailer + 8) || !BeginRecord(s, true) || !Encrypt(s, trailer, kTrailerPlainBytes, out + at) ||
      !HashSealed(s, out + at, kTrailerPlainBytes)) {
    return Throw(env, "sealerFinal: OpenSSL failed");
  }
  std::memcpy(plainDigestData, trailer + 8, kHashBytes);
  at += kTrailerPlainBytes;
  if (!EndRecord(s, out + at)) return Throw(env, "sealerFinal: tag failed");
  at += kTagBytes;
  if (s->hashSealed) {
    void* data;
    if (napi_create_buffer(env, kHashBytes, &data, &sealedDigest) != napi_ok ||
        !FinalSealed(s, static_cast<uint8_t*>(data))) {
      return Throw(env, "sealerFinal: sealed digest failed");
    }
  } else {
    napi_get_null(env, &sealedDigest);
  }
  s->finished = true;
  FreeSealer(s);
  napi_value result, written;
  napi_create_array_with_length(env, 3, &result);
  napi_create_double(env, static_cast<double>(at - start), &written);
  napi_set_element(env, result, 0, written);
  napi_set_element(env, result, 1, plainDigest);
  napi_set_element(env, result, 2, sealedDigest);
  return result;
}

// sealerDispose(sealer): wipes the key schedule now rather than at garbage collection. While a file
// pipe runs, it asks the pipe to stop instead, and the pipe wipes it when it ends.
napi_value Dispose(napi_env env, napi_callback_info info) {
  Sealer* s = SealerArgument(env, info);
  if (s != nullptr) {
    s->finished = true;
    if (s->piping) {
      s->disposeWhenIdle = true;
      s->cancel.store(true);
    } else {
      FreeSealer(s);
    }
  }
  return nullptr;
}

// shaExtensions() → whether the two-stream SHA-256 can run on this CPU (for reports).
napi_value ShaExtensions(napi_env env, napi_callback_info) {
  napi_value result;
  napi_get_boolean(env, Sha256Available(), &result);
  return result;
}

napi_value Init(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"sealerCreate", nullptr, Create, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sealerUpdate", nullptr, Update, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sealerUpdateAsync", nullptr, UpdateAsync, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sealerFinal", nullptr, Final, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sealerDispose", nullptr, Dispose, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sealerPipe", nullptr, Pipe, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sealerCancel", nullptr, Cancel, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"shaExtensions", nullptr, ShaExtensions, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace
}  // namespace hdh

NAPI_MODULE(NODE_GYP_MODULE_NAME, hdh::Init)
