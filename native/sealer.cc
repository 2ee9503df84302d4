#include "sealer.h"

namespace hdh {

namespace {
// Small enough that the plaintext, its ciphertext and both hash inputs stay in L1/L2 between the
// three passes over it; larger slices measured no faster in the ceiling loop.
constexpr size_t kSliceBytes = 16 * 1024;

// The plaintext slice and the ciphertext it became, into their two digests.
bool HashBoth(Sealer* s, const uint8_t* plain, const uint8_t* sealed, size_t length) {
  if (!s->fastSha) {
    return EVP_DigestUpdate(s->plainHash, plain, length) == 1 && HashSealed(s, sealed, length);
  }
  if (s->hashSealed) {
    Sha256Update2(&s->plainSha, plain, &s->sealedSha, sealed, length);
  } else {
    Sha256Update(&s->plainSha, plain, length);
  }
  return true;
}
}  // namespace

// Fetched once for the process: EVP_aes_256_gcm() and EVP_sha256() make OpenSSL 3 look the
// algorithm up again (locks, name hashing) on every init, a visible cost for small objects.
const EVP_CIPHER* Gcm() {
  static const EVP_CIPHER* fetched = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  return fetched != nullptr ? fetched : EVP_aes_256_gcm();
}

const EVP_MD* Sha256Md() {
  static const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return fetched != nullptr ? fetched : EVP_sha256();
}

void FreeSealer(Sealer* s) {
  if (s == nullptr) return;
  EVP_CIPHER_CTX_free(s->cipher);
  EVP_MD_CTX_free(s->plainHash);
  EVP_MD_CTX_free(s->sealedHash);
  s->cipher = nullptr;
  s->plainHash = nullptr;
  s->sealedHash = nullptr;
}

bool HashSealed(Sealer* s, const uint8_t* data, size_t length) {
  if (!s->hashSealed) return true;
  if (s->fastSha) {
    Sha256Update(&s->sealedSha, data, length);
    return true;
  }
  return EVP_DigestUpdate(s->sealedHash, data, length) == 1;
}

bool FinalPlain(Sealer* s, uint8_t* out) {
  unsigned int n = 0;
  if (s->fastSha) {
    Sha256Final(&s->plainSha, out);
    return true;
  }
  return EVP_DigestFinal_ex(s->plainHash, out, &n) == 1;
}

bool FinalSealed(Sealer* s, uint8_t* out) {
  unsigned int n = 0;
  if (s->fastSha) {
    Sha256Final(&s->sealedSha, out);
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

size_t SealRoom(const Sealer* s, size_t plainLength) {
  return plainLength + kTagBytes * ((s->inChunk + plainLength) / s->chunkSize);
}

bool SealSpan(Sealer* s, const uint8_t* plain, size_t plainLength, uint8_t* out, size_t* written) {
  size_t at = 0;
  for (size_t from = 0; from < plainLength;) {
    if (s->inChunk == 0 && !BeginRecord(s, false)) return false;
    size_t take = plainLength - from;
    if (take > s->chunkSize - s->inChunk) take = s->chunkSize - s->inChunk;
    if (take > kSliceBytes) take = kSliceBytes;
    if (!Encrypt(s, plain + from, take, out + at) || !HashBoth(s, plain + from, out + at, take)) {
      return false;
    }
    from += take;
    at += take;
    s->inChunk += take;
    if (s->inChunk == s->chunkSize) {
      if (!EndRecord(s, out + at)) return false;
      at += kTagBytes;
      s->inChunk = 0;
      s->index++;
    }
  }
  s->plainSize += plainLength;
  *written = at;
  return true;
}

}  // namespace hdh
