#include "sha256.h"

#include <cpuid.h>
#include <immintrin.h>

#include <cstring>

namespace hdh {
namespace {

alignas(16) const uint32_t kK[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

const uint32_t kInit[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                           0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

#define HDH_SHANI __attribute__((target("sha,sse4.1,ssse3")))

// The SHA instructions want the state as ABEF / CDGH.
HDH_SHANI inline void LoadState(const uint32_t* h, __m128i& s0, __m128i& s1) {
  __m128i t = _mm_loadu_si128(reinterpret_cast<const __m128i*>(h));
  s1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(h + 4));
  t = _mm_shuffle_epi32(t, 0xB1);
  s1 = _mm_shuffle_epi32(s1, 0x1B);
  s0 = _mm_alignr_epi8(t, s1, 8);
  s1 = _mm_blend_epi16(s1, t, 0xF0);
}

HDH_SHANI inline void StoreState(uint32_t* h, __m128i s0, __m128i s1) {
  __m128i t = _mm_shuffle_epi32(s0, 0x1B);
  s1 = _mm_shuffle_epi32(s1, 0xB1);
  s0 = _mm_blend_epi16(t, s1, 0xF0);
  s1 = _mm_alignr_epi8(s1, t, 8);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(h), s0);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(h + 4), s1);
}

// Message schedule word group g (4 words) from the four before it.
HDH_SHANI inline __m128i Schedule(const __m128i* w, int g) {
  return _mm_sha256msg2_epu32(_mm_add_epi32(_mm_sha256msg1_epu32(w[g & 3], w[(g + 1) & 3]),
                                            _mm_alignr_epi8(w[(g + 3) & 3], w[(g + 2) & 3], 4)),
                              w[(g + 3) & 3]);
}

HDH_SHANI void Blocks1(uint32_t* h, const uint8_t* p, size_t blocks) {
  const __m128i mask = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  __m128i s0, s1;
  LoadState(h, s0, s1);
  for (; blocks > 0; blocks--, p += 64) {
    const __m128i save0 = s0, save1 = s1;
    __m128i w[4];
#pragma GCC unroll 16
    for (int g = 0; g < 16; g++) {
      w[g & 3] = g < 4 ? _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * g)), mask)
                       : Schedule(w, g);
      const __m128i m = _mm_add_epi32(w[g & 3], _mm_load_si128(reinterpret_cast<const __m128i*>(kK + 4 * g)));
      s1 = _mm_sha256rnds2_epu32(s1, s0, m);
      s0 = _mm_sha256rnds2_epu32(s0, s1, _mm_shuffle_epi32(m, 0x0E));
    }
    s0 = _mm_add_epi32(s0, save0);
    s1 = _mm_add_epi32(s1, save1);
  }
  StoreState(h, s0, s1);
}

HDH_SHANI void Blocks2(uint32_t* ha, const uint8_t* a, uint32_t* hb, const uint8_t* b, size_t blocks) {
  const __m128i mask = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  __m128i a0, a1, b0, b1;
  LoadState(ha, a0, a1);
  LoadState(hb, b0, b1);
  for (; blocks > 0; blocks--, a += 64, b += 64) {
    const __m128i sa0 = a0, sa1 = a1, sb0 = b0, sb1 = b1;
    __m128i wa[4], wb[4];
#pragma GCC unroll 16
    for (int g = 0; g < 16; g++) {
      if (g < 4) {
        wa[g] = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a + 16 * g)), mask);
        wb[g] = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b + 16 * g)), mask);
      } else {
        wa[g & 3] = Schedule(wa, g);
        wb[g & 3] = Schedule(wb, g);
      }
      const __m128i k = _mm_load_si128(reinterpret_cast<const __m128i*>(kK + 4 * g));
      const __m128i ma = _mm_add_epi32(wa[g & 3], k);
      const __m128i mb = _mm_add_epi32(wb[g & 3], k);
      a1 = _mm_sha256rnds2_epu32(a1, a0, ma);
      b1 = _mm_sha256rnds2_epu32(b1, b0, mb);
      a0 = _mm_sha256rnds2_epu32(a0, a1, _mm_shuffle_epi32(ma, 0x0E));
      b0 = _mm_sha256rnds2_epu32(b0, b1, _mm_shuffle_epi32(mb, 0x0E));
    }
    a0 = _mm_add_epi32(a0, sa0);
    a1 = _mm_add_epi32(a1, sa1);
    b0 = _mm_add_epi32(b0, sb0);
    b1 = _mm_add_epi32(b1, sb1);
  }
  StoreState(ha, a0, a1);
  StoreState(hb, b0, b1);
}

// Completes a pending partial block from `data`; returns the bytes taken.
size_t TopUp(Sha256* s, const uint8_t* data, size_t length) {
  if (s->pendingBytes == 0) return 0;
  size_t take = 64 - s->pendingBytes;
  if (take > length) take = length;
  std::memcpy(s->pending + s->pendingBytes, data, take);
  s->pendingBytes += take;
  if (s->pendingBytes == 64) {
    Blocks1(s->h, s->pending, 1);
    s->pendingBytes = 0;
  }
  return take;
}

void Keep(Sha256* s, const uint8_t* data, size_t length) {
  std::memcpy(s->pending + s->pendingBytes, data, length);
  s->pendingBytes += length;
}

}  // namespace

namespace {

bool Detect() {
  unsigned a, b, c, d;
  if (__get_cpuid_max(0, nullptr) < 7) return false;
  __cpuid(1, a, b, c, d);
  const bool ssse3 = (c & bit_SSSE3) != 0, sse41 = (c & bit_SSE4_1) != 0;
  __cpuid_count(7, 0, a, b, c, d);
  return ssse3 && sse41 && (b & bit_SHA) != 0;
}

}  // namespace

// Asked once: in a virtual machine each cpuid traps to the hypervisor (tens of µs per seal here).
bool Sha256Available() {
  static const bool available = Detect();
  return available;
}

void Sha256Init(Sha256* s) {
  std::memcpy(s->h, kInit, sizeof(kInit));
  s->pendingBytes = 0;
  s->totalBytes = 0;
}

void Sha256Update(Sha256* s, const uint8_t* data, size_t length) {
  s->totalBytes += length;
  size_t at = TopUp(s, data, length);
  size_t blocks = (length - at) / 64;
  Blocks1(s->h, data + at, blocks);
  at += blocks * 64;
  Keep(s, data + at, length - at);
}

void Sha256Update2(Sha256* a, const uint8_t* da, Sha256* b, const uint8_t* db, size_t length) {
  a->totalBytes += length;
  b->totalBytes += length;
  size_t atA = TopUp(a, da, length), atB = TopUp(b, db, length);
  size_t blocksA = (length - atA) / 64, blocksB = (length - atB) / 64;
  size_t both = blocksA < blocksB ? blocksA : blocksB;
  Blocks2(a->h, da + atA, b->h, db + atB, both);
  atA += both * 64;
  atB += both * 64;
  Blocks1(a->h, da + atA, blocksA - both);
  Blocks1(b->h, db + atB, blocksB - both);
  atA += (blocksA - both) * 64;
  atB += (blocksB - both) * 64;
  Keep(a, da + atA, length - atA);
  Keep(b, db + atB, length - atB);
}

void Sha256Final(Sha256* s, uint8_t out[32]) {
  const uint64_t bits = s->totalBytes * 8;
  uint8_t tail[128] = {};
  size_t n = s->pendingBytes;
  std::memcpy(tail, s->pending, n);
  tail[n] = 0x80;
  size_t total = n + 1 + 8 <= 64 ? 64 : 128;
  for (int i = 0; i < 8; i++) tail[total - 1 - i] = static_cast<uint8_t>(bits >> (8 * i));
  Blocks1(s->h, tail, total / 64);
  for (int i = 0; i < 8; i++) {
    out[4 * i] = static_cast<uint8_t>(s->h[i] >> 24);
    out[4 * i + 1] = static_cast<uint8_t>(s->h[i] >> 16);
    out[4 * i + 2] = static_cast<uint8_t>(s->h[i] >> 8);
    out[4 * i + 3] = static_cast<uint8_t>(s->h[i]);
  }
}

}  // namespace hdh
