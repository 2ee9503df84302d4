// Sealing a buffer's pieces on one of libuv's pool threads (see update-async.cc).
#ifndef HDH_UPDATE_ASYNC_H_
#define HDH_UPDATE_ASYNC_H_

#include <node_api.h>

namespace hdh {

napi_value UpdateAsync(napi_env env, napi_callback_info info);

}  // namespace hdh

#endif  // HDH_UPDATE_ASYNC_H_
