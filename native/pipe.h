// Sealing a file into a file on one of libuv's pool threads (see pipe.cc).
#ifndef HDH_PIPE_H_
#define HDH_PIPE_H_

#include <node_api.h>

namespace hdh {

napi_value Pipe(napi_env env, napi_callback_info info);
napi_value Cancel(napi_env env, napi_callback_info info);

}  // namespace hdh

#endif  // HDH_PIPE_H_
