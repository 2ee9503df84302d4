// Small N-API helpers shared by the addon's files.
#ifndef HDH_NAPI_UTIL_H_
#define HDH_NAPI_UTIL_H_

#include <node_api.h>

#include <cstddef>
#include <cstdint>

#include "sealer.h"

namespace hdh {

inline napi_value Throw(napi_env env, const char* message) {
  napi_throw_error(env, nullptr, message);
  return nullptr;
}

/** A Uint8Array's bytes (a Buffer is one); false for anything else. */
inline bool GetBytes(napi_env env, napi_value value, uint8_t** data, size_t* length) {
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

/** A Uint8Array to write into and an offset inside it (0 ≤ offset ≤ length). */
inline bool GetOutput(napi_env env, napi_value buffer, napi_value offset, uint8_t** data, size_t* length,
                      size_t* at) {
  double value = -1;
  if (!GetBytes(env, buffer, data, length) || napi_get_value_double(env, offset, &value) != napi_ok ||
      !(value >= 0) || value > static_cast<double>(*length)) {
    return false;
  }
  *at = static_cast<size_t>(value);
  return true;
}

/** The sealer behind an external, or nullptr when it is wiped or a file pipe owns it. */
inline Sealer* GetSealer(napi_env env, napi_value value) {
  void* data = nullptr;
  if (napi_get_value_external(env, value, &data) != napi_ok || data == nullptr) return nullptr;
  Sealer* s = static_cast<Sealer*>(data);
  return s->cipher == nullptr || s->piping ? nullptr : s;
}

/**
 * Reads all N arguments of a call whose first is a sealer: that sealer, or nullptr when fewer
 * arguments came or the sealer is wiped or busy (GetSealer).
 */
template <size_t N>
inline Sealer* SealerCall(napi_env env, napi_callback_info info, napi_value (&argv)[N]) {
  size_t argc = N;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < N) return nullptr;
  return GetSealer(env, argv[0]);
}

/** The sealer a call's first argument holds, in whatever state (nullptr when it holds none). */
inline Sealer* SealerArgument(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  void* data = nullptr;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < 1 ||
      napi_get_value_external(env, argv[0], &data) != napi_ok) {
    return nullptr;
  }
  return static_cast<Sealer*>(data);
}

}  // namespace hdh

#endif  // HDH_NAPI_UTIL_H_
