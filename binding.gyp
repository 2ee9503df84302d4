{
  "targets": [
    {
      "target_name": "hdh_seal",
      "sources": ["native/seal.cc", "native/sealer.cc", "native/pipe.cc", "native/update-async.cc", "native/sha256.cc"],
      "defines": ["NAPI_VERSION=8"],
      "cflags_cc": ["-O3", "-Wall", "-Wextra"]
    }
  ]
}
