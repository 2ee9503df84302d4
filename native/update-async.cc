// sealerUpdateAsync: sealerUpdate's work on one of libuv's pool threads, so that the objects a
// process seals at once (a migration run's streamed copies) use every core, not the event loop's.
#include "update-async.h"

#include "napi-util.h"
#include "sealer.h"

namespace hdh {
namespace {

// One call: the pieces of one plaintext buffer and their output buffers, with references that keep
// the sealer and every buffer alive until the pool thread is done.
struct AsyncSeal {
  Sealer* sealer = nullptr;
  napi_ref sealerRef = nullptr;
  napi_ref plainRef = nullptr;
  napi_ref outsRef = nullptr;
  napi_ref callbackRef = nullptr;
  napi_async_work work = nullptr;
  const uint8_t* plain = nullptr;
  size_t plainLength = 0;
  size_t pieceBytes = 0;
  uint8_t** outs = nullptr;
  size_t* outLengths = nullptr;
  size_t pieces = 0;
  size_t written = 0;
  bool ok = false;
};

void Execute(napi_env, void* data) {
  AsyncSeal* job = static_cast<AsyncSeal*>(data);
  job->ok = true;
  for (size_t i = 0; i < job->pieces && job->ok; i++) {
    size_t from = i * job->pieceBytes;
    size_t take = job->plainLength - from < job->pieceBytes ? job->plainLength - from : job->pieceBytes;
    size_t n = 0;
    job->ok = job->outLengths[i] >= SealRoom(job->sealer, take) &&
              SealSpan(job->sealer, job->plain + from, take, job->outs[i], &n);
    job->written += n;
  }
}

void FreeJob(napi_env env, AsyncSeal* job) {
  if (job->sealerRef != nullptr) napi_delete_reference(env, job->sealerRef);
  if (job->plainRef != nullptr) napi_delete_reference(env, job->plainRef);
  if (job->outsRef != nullptr) napi_delete_reference(env, job->outsRef);
  if (job->callbackRef != nullptr) napi_delete_reference(env, job->callbackRef);
  if (job->work != nullptr) napi_delete_async_work(env, job->work);
  delete[] job->outs;
  delete[] job->outLengths;
  delete job;
}

void Complete(napi_env env, napi_status status, void* data) {
  AsyncSeal* job = static_cast<AsyncSeal*>(data);
  Sealer* s = job->sealer;
  s->piping = false;
  // Disposed while the pool thread sealed: the key schedule is wiped now that nothing uses it.
  if (s->disposeWhenIdle) FreeSealer(s);
  bool ok = status == napi_ok && job->ok;
  napi_value callback, global, args[2];
  napi_get_reference_value(env, job->callbackRef, &callback);
  napi_get_global(env, &global);
  if (ok) {
    napi_get_null(env, &args[0]);
  } else {
    napi_value message;
    napi_create_string_utf8(env, "sealerUpdateAsync: OpenSSL failed or an output buffer was too small",
                            NAPI_AUTO_LENGTH, &message);
    napi_create_error(env, nullptr, message, &args[0]);
  }
  napi_create_double(env, static_cast<double>(job->written), &args[1]);
  FreeJob(env, job);
  napi_call_function(env, global, callback, 2, args, nullptr);
}

}  // namespace

// sealerUpdateAsync(sealer, plain, outs, pieceBytes, callback(err, written)): as sealerUpdate for
// each piece of `plain` (pieceBytes each, the last shorter) into outs[i] at offset 0, on the pool.
// The sealer is the pool thread's meanwhile (`piping`): the synchronous calls refuse it, and
// sealerDispose defers the wipe to the end of the work.
napi_value UpdateAsync(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  Sealer* s = SealerCall(env, info, argv);
  uint8_t* plain;
  size_t plainLength;
  double pieceBytes = 0;
  bool isArray = false;
  uint32_t pieces = 0;
  napi_valuetype callbackType;
  if (s == nullptr || s->finished || !GetBytes(env, argv[1], &plain, &plainLength) ||
      napi_is_array(env, argv[2], &isArray) != napi_ok || !isArray ||
      napi_get_array_length(env, argv[2], &pieces) != napi_ok ||
      napi_get_value_double(env, argv[3], &pieceBytes) != napi_ok || !(pieceBytes >= 1) ||
      napi_typeof(env, argv[4], &callbackType) != napi_ok || callbackType != napi_function) {
    return Throw(env, "sealerUpdateAsync: bad arguments, or the sealer is finished or busy");
  }
  size_t piece = static_cast<size_t>(pieceBytes);
  if (pieces != (plainLength + piece - 1) / piece) {
    return Throw(env, "sealerUpdateAsync: one output buffer per piece expected");
  }
  AsyncSeal* job = new AsyncSeal();
  job->sealer = s;
  job->plain = plain;
  job->plainLength = plainLength;
  job->pieceBytes = piece;
  job->pieces = pieces;
  job->outs = new uint8_t*[pieces > 0 ? pieces : 1];
  job->outLengths = new size_t[pieces > 0 ? pieces : 1];
  for (uint32_t i = 0; i < pieces; i++) {
    napi_value out;
    if (napi_get_element(env, argv[2], i, &out) != napi_ok ||
        !GetBytes(env, out, &job->outs[i], &job->outLengths[i])) {
      FreeJob(env, job);
      return Throw(env, "sealerUpdateAsync: outs must be Uint8Arrays");
    }
  }
  napi_value name;
  napi_create_string_utf8(env, "hdh:seal", NAPI_AUTO_LENGTH, &name);
  if (napi_create_reference(env, argv[0], 1, &job->sealerRef) != napi_ok ||
      napi_create_reference(env, argv[1], 1, &job->plainRef) != napi_ok ||
      napi_create_reference(env, argv[2], 1, &job->outsRef) != napi_ok ||
      napi_create_reference(env, argv[4], 1, &job->callbackRef) != napi_ok ||
      napi_create_async_work(env, nullptr, name, Execute, Complete, job, &job->work) != napi_ok ||
      napi_queue_async_work(env, job->work) != napi_ok) {
    FreeJob(env, job);
    return Throw(env, "sealerUpdateAsync: could not queue the work");
  }
  s->piping = true;
  return nullptr;
}

}  // namespace hdh
