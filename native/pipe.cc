// sealerPipe: reads a file to its end, seals what it reads and writes the records to another file,
// on one of libuv's pool threads, through two buffers reused for the whole object. Through streams
// every megabyte of input and output is a fresh buffer the kernel must fault in, a hop through the
// event loop and a thread-pool round trip for each read and write; here the bytes go read → seal
// → write while they are still in cache, and the main thread is free meanwhile.
#include "pipe.h"

#include <errno.h>
#include <unistd.h>
#include <uv.h>

#include <cstdint>
#include <cstdlib>

#include "napi-util.h"
#include "sealer.h"

namespace hdh {
namespace {

constexpr size_t kMinBuffer = 4096;
constexpr size_t kMaxBuffer = 64 * 1024 * 1024;

struct PipeWork {
  napi_async_work work = nullptr;
  napi_deferred deferred = nullptr;
  napi_ref sealerRef = nullptr;
  Sealer* sealer = nullptr;
  int src = -1;
  int dst = -1;
  size_t bufferBytes = 0;
  uint64_t plainBytes = 0;
  uint64_t sealedBytes = 0;
  // errno of the failed call and which call it was; or a message when OpenSSL failed.
  int error = 0;
  const char* syscall = nullptr;
  const char* message = nullptr;
};

bool WriteAll(PipeWork* w, const uint8_t* data, size_t length) {
  while (length > 0) {
    ssize_t n = write(w->dst, data, length);
    if (n < 0) {
      if (errno == EINTR) continue;
      w->error = errno;
      w->syscall = "write";
      return false;
    }
    data += n;
    length -= static_cast<size_t>(n);
    w->sealedBytes += static_cast<uint64_t>(n);
  }
  return true;
}

void Execute(napi_env, void* data) {
  PipeWork* w = static_cast<PipeWork*>(data);
  Sealer* s = w->sealer;
  uint8_t* in = static_cast<uint8_t*>(std::malloc(w->bufferBytes));
  // Room for the ciphertext of a full input buffer and the tags of every chunk it may complete.
  size_t outBytes = w->bufferBytes + kTagBytes * (w->bufferBytes / s->chunkSize + 1);
  uint8_t* out = static_cast<uint8_t*>(std::malloc(outBytes));
  if (in == nullptr || out == nullptr) {
    w->message = "out of memory";
  }
  while (w->message == nullptr && w->error == 0) {
    if (s->cancel.load()) {
      w->error = ECANCELED;
      w->syscall = "read";
      break;
    }
    ssize_t n = read(w->src, in, w->bufferBytes);
    if (n < 0) {
      if (errno == EINTR) continue;
      w->error = errno;
      w->syscall = "read";
      break;
    }
    if (n == 0) break;
    size_t written = 0;
    if (!SealSpan(s, in, static_cast<size_t>(n), out, &written)) {
      w->message = "OpenSSL failed";
      break;
    }
    w->plainBytes += static_cast<uint64_t>(n);
    if (!WriteAll(w, out, written)) break;
  }
  std::free(in);
  std::free(out);
}

napi_value Failure(napi_env env, PipeWork* w) {
  napi_value message, error;
  if (w->message != nullptr) {
    napi_create_string_utf8(env, w->message, NAPI_AUTO_LENGTH, &message);
    napi_create_error(env, nullptr, message, &error);
    return error;
  }
  const char* name = uv_err_name(uv_translate_sys_error(w->error));
  napi_value code, errnoValue, syscall;
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, uv_strerror(uv_translate_sys_error(w->error)), NAPI_AUTO_LENGTH, &message);
  napi_create_error(env, code, message, &error);
  napi_create_int32(env, uv_translate_sys_error(w->error), &errnoValue);
  napi_create_string_utf8(env, w->syscall, NAPI_AUTO_LENGTH, &syscall);
  napi_set_named_property(env, error, "errno", errnoValue);
  napi_set_named_property(env, error, "syscall", syscall);
  return error;
}

void Complete(napi_env env, napi_status status, void* data) {
  PipeWork* w = static_cast<PipeWork*>(data);
  Sealer* s = w->sealer;
  s->piping = false;
  bool cancelled = s->cancel.load();
  if (s->disposeWhenIdle) {
    FreeSealer(s);
  }
  if (status == napi_ok && w->error == 0 && w->message == nullptr && !cancelled) {
    napi_value result, plain, sealed;
    napi_create_array_with_length(env, 2, &result);
    napi_create_double(env, static_cast<double>(w->plainBytes), &plain);
    napi_create_double(env, static_cast<double>(w->sealedBytes), &sealed);
    napi_set_element(env, result, 0, plain);
    napi_set_element(env, result, 1, sealed);
    napi_resolve_deferred(env, w->deferred, result);
  } else {
    if (w->error == 0 && w->message == nullptr) {
      w->error = ECANCELED;
      w->syscall = "read";
    }
    napi_reject_deferred(env, w->deferred, Failure(env, w));
  }
  napi_delete_reference(env, w->sealerRef);
  napi_delete_async_work(env, w->work);
  delete w;
}

}  // namespace

// sealerPipe(sealer, srcFd, dstFd, bufferBytes) → Promise<[plainBytes, sealedBytes]>: reads srcFd
// from its position to its end and writes the sealed records to dstFd at its position. The last
// chunk's tag and the trailer stay for sealerFinal. Rejects with the errno's code (ENOSPC, EIO…)
// and the failing syscall, or ECANCELED after sealerCancel/sealerDispose.
napi_value Pipe(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  Sealer* s = SealerCall(env, info, argv);
  int32_t src = -1, dst = -1;
  double bufferBytes = 0;
  if (s == nullptr || s->finished || napi_get_value_int32(env, argv[1], &src) != napi_ok || src < 0 ||
      napi_get_value_int32(env, argv[2], &dst) != napi_ok || dst < 0 ||
      napi_get_value_double(env, argv[3], &bufferBytes) != napi_ok || !(bufferBytes >= kMinBuffer) ||
      bufferBytes > kMaxBuffer) {
    return Throw(env, "sealerPipe: bad arguments, or the sealer is finished or busy");
  }
  PipeWork* w = new PipeWork();
  w->sealer = s;
  w->src = src;
  w->dst = dst;
  w->bufferBytes = static_cast<size_t>(bufferBytes);
  napi_value promise, name;
  napi_create_string_utf8(env, "hdh.sealerPipe", NAPI_AUTO_LENGTH, &name);
  if (napi_create_promise(env, &w->deferred, &promise) != napi_ok ||
      napi_create_reference(env, argv[0], 1, &w->sealerRef) != napi_ok ||
      napi_create_async_work(env, nullptr, name, Execute, Complete, w, &w->work) != napi_ok ||
      napi_queue_async_work(env, w->work) != napi_ok) {
    delete w;
    return Throw(env, "sealerPipe: could not queue the work");
  }
  s->piping = true;
  return promise;
}

// sealerCancel(sealer): asks a running pipe to stop before its next read (it then rejects).
napi_value Cancel(napi_env env, napi_callback_info info) {
  Sealer* s = SealerArgument(env, info);
  if (s != nullptr) {
    s->cancel.store(true);
  }
  return nullptr;
}

}  // namespace hdh
