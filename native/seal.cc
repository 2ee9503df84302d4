// Native sealing of the records of docs/formats/sealed-object.md, against the OpenSSL that Node
// itself exports. node:crypto's cipher.update allocates and zero-fills a fresh buffer per call; here
// the caller hands one output buffer and the plaintext and sealed-bytes SHA-256 are updated in the
// same pass, slice by slice, while the slice is still in cache.
#include <node_api.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstdint>
#include <cstring>

#include "sha256.h"

namespace {

constexpr size_t kKeyBytes = 32;
constexpr size_t kHashBytes = 32;
constexpr size_t kTagBytes = 16;
constexpr size_t kNonceBytes = 12;
constexpr size_t kAadBytes = kHashBytes + 8 + 1;
constexpr size_t kTrailerPlainBytes = 8 + kHashBytes;
// Small enough that the plaintext, its ciphertext and both hash inputs stay in L1/L2 between the
// three passes over it; larger slices measured no faster in the ceiling loop.
constexpr size_t kSliceBytes = 16 * 1024;

struct Sealer {
  EVP_CIPHER_CTX* cipher = nullptr;
  // Either OpenSSL's digests or, with the CPU's SHA extensions, sha256.h's two-stream one.
  bool fastSha = false;
  bool hashSealed = false;
  EVP_MD_CTX* plainHash = nullptr;
  EVP_MD_CTX* sealedHash = nullptr;
  hdh::Sha256 plainSha = {};
  hdh::Sha256 sealedSha = {};
  uint8_t aad[kAadBytes] = {};
  uint64_t index = 0;
  uint64_t inChunk = 0;
  uint64_t plainSize = 0;
  uint64_t chunkSize = 0;
  bool finished = false;
};

// Fetched once for the process: EVP_aes_256_gcm() and EVP_sha256() make OpenSSL 3 look the
// algorithm up again (locks, name hashing) on every init, a visible cost for small objects.
const EVP_CIPHER* Gcm() {
  static const EVP_CIPHER* fetched = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  return fetched != nullptr ? fetched : EVP_aes_256_gcm();
}

const EVP_MD* Sha256() {
  static const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return fetched != nullptr ? fetched : EVP_sha256();
}

void FreeSealer(Sealer* s) {
  if (s == nullptr) return;
  EVP_CIPHER_CTX_free(s->cipher);  // cleanses the key schedule
  EVP_MD_CTX_free(s->plainHash);
  EVP_MD_CTX_free(s->sealedHash);
  s->cipher = nullptr;
  s->plainHash = nullptr;
  s->sealedHash = nullptr;
}

void Finalize(napi_env, void* data, void*) {
  Sealer* s = static_cast<Sealer*>(data);
  FreeSealer(s);
  delete s;
}

napi_value Throw(napi_env env, const char* message) {
  napi_throw_error(env, nullptr, message);
  return nullptr;
}

bool GetBytes(napi_env env, napi_value value, uint8_t** data, size_t* length) {
  bool is = false;
  if (napi_is_typedarray(env, value, &is) != napi_ok || !is) return false;
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  void* raw = nullptr;
  if (napi_get_typedarray_info(env, value, &type, length, &raw, &buffer, &offset) != napi_ok) return false;
  if (type != napi_uint8_array) return false;
  *data = static_cast<uint8_t*>(raw);
  return true;
}

Sealer* GetSealer(napi_env env, napi_value value) {
  void* data = nullptr;
  if (napi_get_value_external(env, value, &data) != napi_ok || data == nullptr) return nullptr;
  Sealer* s = static_cast<Sealer*>(data);
  return s->cipher == nullptr ? nullptr : s;
}

bool HashSealed(Sealer* s, const uint8_t* data, size_t length) {
  if (!s->hashSealed) return true;
  if (s->fastSha) {
    hdh::Sha256Update(&s->sealedSha, data, length);
    return true;
  }
  return EVP_DigestUpdate(s->sealedHash, data, length) == 1;
}

// The plaintext slice and the ciphertext it became, into their two digests.
bool HashBoth(Sealer* s, const uint8_t* plain, const uint8_t* sealed, size_t length) {
  if (!s->fastSha) {
    return EVP_DigestUpdate(s->plainHash, plain, length) == 1 && HashSealed(s, sealed, length);
  }
  if (s->hashSealed) {
    hdh::Sha256Update2(&s->plainSha, plain, &s->sealedSha, sealed, length);
  } else {
    hdh::Sha256Update(&s->plainSha, plain, length);
  }
  return true;
}

bool FinalPlain(Sealer* s, uint8_t* out) {
  unsigned int n = 0;
  if (s->fastSha) {
    hdh::Sha256Final(&s->plainSha, out);
    return true;
  }
  return EVP_DigestFinal_ex(s->plainHash, out, &n) == 1;
}

bool FinalSealed(Sealer* s, uint8_t* out) {
  unsigned int n = 0;
  if (s->fastSha) {
    hdh::Sha256Final(&s->sealedSha, out);
    return true;
  }
  return EVP_DigestFinal_ex(s->sealedHash, out, &n) == 1;
}

void PutU64(uint8_t* to, uint64_t v) {
  for (int i = 7; i >= 0; i--) {
    to[i] = static_cast<uint8_t>(v);
    v >>= 8;
  }
}

// nonce = flag ‖ 0 0 0 ‖ index (u64 BE), AAD = SHA-256(header) ‖ index (u64 BE) ‖ flag.
bool BeginRecord(Sealer* s, bool final) {
  uint8_t nonce[kNonceBytes] = {};
  nonce[0] = final ? 1 : 0;
  PutU64(nonce + 4, s->index);
  PutU64(s->aad + kHashBytes, s->index);
  s->aad[kHashBytes + 8] = final ? 1 : 0;
  int n = 0;
  return EVP_EncryptInit_ex(s->cipher, nullptr, nullptr, nullptr, nonce) == 1 &&
         EVP_EncryptUpdate(s->cipher, nullptr, &n, s->aad, kAadBytes) == 1;
}

bool Encrypt(Sealer* s, const uint8_t* in, size_t length, uint8_t* out) {
  for (size_t at = 0; at < length; at += kSliceBytes) {
    size_t take = length - at < kSliceBytes ? length - at : kSliceBytes;
    int n = 0;
    if (EVP_EncryptUpdate(s->cipher, out + at, &n, in + at, static_cast<int>(take)) != 1 ||
        static_cast<size_t>(n) != take) {
      return false;
    }
  }
  return true;
}

bool EndRecord(Sealer* s, uint8_t* out) {
  int n = 0;
  return EVP_EncryptFinal_ex(s->cipher, out, &n) == 1 && n == 0 &&
         EVP_CIPHER_CTX_ctrl(s->cipher, EVP_CTRL_GCM_GET_TAG, kTagBytes, out) == 1 &&
         HashSealed(s, out, kTagBytes);
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
  s->fastSha = fastSha && hashSealed && hdh::Sha256Available();
  s->cipher = EVP_CIPHER_CTX_new();
  bool ok = s->cipher != nullptr &&
            EVP_EncryptInit_ex(s->cipher, Gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(s->cipher, EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr) == 1 &&
            EVP_EncryptInit_ex(s->cipher, nullptr, nullptr, key, nullptr) == 1;
  if (ok && s->fastSha) {
    hdh::Sha256Init(&s->plainSha);
    hdh::Sha256Init(&s->sealedSha);
  } else if (ok) {
    s->plainHash = EVP_MD_CTX_new();
    s->sealedHash = hashSealed ? EVP_MD_CTX_new() : nullptr;
    ok = s->plainHash != nullptr && (!hashSealed || s->sealedHash != nullptr) &&
         EVP_DigestInit_ex(s->plainHash, Sha256(), nullptr) == 1 &&
         (!hashSealed || EVP_DigestInit_ex(s->sealedHash, Sha256(), nullptr) == 1);
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
// sealerRoom(); a chunk is closed as soon as it is full, as the JS stream does.
napi_value Update(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  Sealer* s = argc >= 4 ? GetSealer(env, argv[0]) : nullptr;
  uint8_t *plain, *out;
  size_t plainLength, outLength;
  double offset = -1;
  if (s == nullptr || s->finished || !GetBytes(env, argv[1], &plain, &plainLength) ||
      !GetBytes(env, argv[2], &out, &outLength) || napi_get_value_double(env, argv[3], &offset) != napi_ok ||
      !(offset >= 0) || offset > static_cast<double>(outLength)) {
    return Throw(env, "sealerUpdate: bad arguments or sealer already finished");
  }
  size_t at = static_cast<size_t>(offset);
  uint64_t tags = (s->inChunk + plainLength) / s->chunkSize;
  if (outLength - at < plainLength + tags * kTagBytes) {
    return Throw(env, "sealerUpdate: output buffer too small");
  }
  size_t start = at;
  for (size_t from = 0; from < plainLength;) {
    if (s->inChunk == 0 && !BeginRecord(s, false)) return Throw(env, "sealerUpdate: cipher setup failed");
    size_t take = plainLength - from;
    if (take > s->chunkSize - s->inChunk) take = s->chunkSize - s->inChunk;
    if (take > kSliceBytes) take = kSliceBytes;
    if (!Encrypt(s, plain + from, take, out + at) || !HashBoth(s, plain + from, out + at, take)) {
      return Throw(env, "sealerUpdate: OpenSSL failed");
    }
    from += take;
    at += take;
    s->inChunk += take;
    if (s->inChunk == s->chunkSize) {
      if (!EndRecord(s, out + at)) return Throw(env, "sealerUpdate: tag failed");
      at += kTagBytes;
      s->inChunk = 0;
      s->index++;
    }
  }
  s->plainSize += plainLength;
  napi_value result;
  napi_create_double(env, static_cast<double>(at - start), &result);
  return result;
}

// sealerFinal(sealer, out, outOffset) → [written, plainSha256, sealedSha256 | null]: the tag of the
// last partial chunk, if any, then the trailer record (plaintext size ‖ plaintext SHA-256, sealed
// as the final record). The sealer's key is wiped.
napi_value Final(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  Sealer* s = argc >= 3 ? GetSealer(env, argv[0]) : nullptr;
  uint8_t* out;
  size_t outLength;
  double offset = -1;
  if (s == nullptr || s->finished || !GetBytes(env, argv[1], &out, &outLength) ||
      napi_get_value_double(env, argv[2], &offset) != napi_ok || !(offset >= 0) ||
      offset > static_cast<double>(outLength)) {
    return Throw(env, "sealerFinal: bad arguments or sealer already finished");
  }
  size_t at = static_cast<size_t>(offset);
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

// sealerDispose(sealer): wipes the key schedule now rather than at garbage collection.
napi_value Dispose(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  void* data = nullptr;
  if (argc >= 1 && napi_get_value_external(env, argv[0], &data) == napi_ok && data != nullptr) {
    Sealer* s = static_cast<Sealer*>(data);
    s->finished = true;
    FreeSealer(s);
  }
  return nullptr;
}

// shaExtensions() → whether the two-stream SHA-256 can run on this CPU (for reports).
napi_value ShaExtensions(napi_env env, napi_callback_info) {
  napi_value result;
  napi_get_boolean(env, hdh::Sha256Available(), &result);
  return result;
}

napi_value Init(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"sealerCreate", nullptr, Create, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sealerUpdate", nullptr, Update, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sealerFinal", nullptr, Final, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sealerDispose", nullptr, Dispose, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"shaExtensions", nullptr, ShaExtensions, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
