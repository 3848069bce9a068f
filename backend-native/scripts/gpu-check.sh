#!/usr/bin/env bash
# GPU check of the llama-cpp backend: builds the pinned llama.cpp (v0.4.0, commit 80fb11ac, from the git bundle
# that `npm pack node-llama-cpp@3.21.1` holds as package/llama/gitRelease.bundle) with CUDA for Hopper, points
# LOCALGATE_LLAMA_CPP_LIB_PATH at it, and times prompt processing and generation through the backend, on the
# GPU (all layers offloaded) and on the CPU (the same build with no GPU visible).
#
# The GPU machine reaches no registry, so the work is split in two:
#
#   1. here, in the repository root (JDK 25 and the build's downloads available):
#        backend-native/scripts/gpu-check.sh prepare BUNDLE [MODELS_DIR]
#      BUNDLE is gitRelease.bundle; MODELS_DIR holds llama-2-tiny-random.gguf, whose tokenizer the synthetic
#      model borrows (default: ../shared/models). It writes backend-native/target/gpu-check/ (about 60 MB:
#      the bundle, a jlink'ed Java runtime, the compiled classes, the tokenizer donor).
#
#   2. on the GPU machine, in the repository root, carrying backend-native/target/gpu-check:
#        backend-native/scripts/gpu-check.sh run
#      It needs nvcc, cmake, a C++ compiler and git there (ninja if present). It prints RESULT lines.
#
# Environment for `run`: GPU_CHECK_JOBS (build jobs, default: all cores), GPU_CHECK_CMAKE_FLAGS (extra cmake
# flags), GPU_CHECK_CUDA=OFF (build without CUDA: a dry run of the whole path on a machine without a GPU),
# GPU_CHECK_MODEL_SHAPE ("n_embd n_layer n_head n_head_kv n_ff", default "2048 16 32 8 5632", ~0.85 B
# parameters in Q8_0), GPU_CHECK_WORK (scratch folder, default /tmp/gpu-check), OUT (logs are copied there).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
kit="$root/backend-native/target/gpu-check"
pinned_commit=80fb11ac73e66d89eae2c6a91d8a77428fa733ed

die() { echo "gpu-check: $*" >&2; exit 1; }

prepare() {
  local bundle=${1:-} models=${2:-$root/../shared/models}
  [ -n "$bundle" ] || die "usage: $0 prepare BUNDLE [MODELS_DIR] (BUNDLE: package/llama/gitRelease.bundle of npm pack node-llama-cpp@3.21.1)"
  [ -f "$bundle" ] || die "no bundle at $bundle"
  git bundle list-heads "$bundle" | grep -q "^$pinned_commit" || die "$bundle does not hold the pinned commit $pinned_commit"
  [ -f "$models/llama-2-tiny-random.gguf" ] || die "no llama-2-tiny-random.gguf in $models (pass MODELS_DIR)"
  [ -n "${JAVA_HOME:-}" ] || die "set JAVA_HOME to a JDK 25"

  (cd "$root" && ./mvnw -q -pl backend-native -am test-compile)
  rm -rf "$kit"
  mkdir -p "$kit/classes"
  cp -r "$root/backend-api/target/classes" "$kit/classes/api"
  cp -r "$root/backend-java/target/classes" "$kit/classes/engine"
  cp -r "$root/backend-native/target/classes" "$kit/classes/native"
  rm -rf "$kit/classes/native/io/localgate/llamacpp/natives" # the npm CPU set: the check uses its own build
  cp -r "$root/backend-native/target/test-classes/io/localgate/llamacpp/bench" "$kit/classes/bench-tmp"
  mkdir -p "$kit/classes/bench/io/localgate/llamacpp" && mv "$kit/classes/bench-tmp" "$kit/classes/bench/io/localgate/llamacpp/bench"
  cp "$bundle" "$kit/gitRelease.bundle"
  cp "$models/llama-2-tiny-random.gguf" "$kit/tokenizer.gguf"
  "$JAVA_HOME/bin/jlink" --add-modules java.base --strip-debug --no-man-pages --no-header-files --compress=zip-9 --output "$kit/jre"
  tar -C "$kit" -czf "$kit/jre.tar.gz" jre && rm -rf "$kit/jre"
  echo "gpu-check: prepared $kit ($(du -sm "$kit" | cut -f1) MB); on the GPU machine run, from the repository root:"
  echo "  backend-native/scripts/gpu-check.sh run      (carrying backend-native/target/gpu-check)"
}

run() {
  [ -d "$kit" ] || die "no $kit: run '$0 prepare BUNDLE' where the build works, and carry that folder"
  local work=${GPU_CHECK_WORK:-/tmp/gpu-check} jobs=${GPU_CHECK_JOBS:-$(nproc)} cuda=${GPU_CHECK_CUDA:-ON}
  local shape=${GPU_CHECK_MODEL_SHAPE:-2048 16 32 8 5632}
  mkdir -p "$work"
  local log="$work/gpu-check.log"
  exec > >(tee "$log") 2>&1
  trap '[ -n "${OUT:-}" ] && cp "$log" "$OUT/" 2>/dev/null || true' EXIT

  echo "== machine"
  nproc
  if [ "$cuda" = ON ]; then
    [ -d /usr/local/cuda/bin ] && export PATH="$PATH:/usr/local/cuda/bin"
    nvidia-smi -L || die "nvidia-smi found no GPU"
    command -v nvcc >/dev/null || die "no nvcc on this machine (CUDA toolkit)"
    nvcc --version | tail -1
  fi
  cmake --version | head -1

  echo "== llama.cpp $pinned_commit from the bundle"
  command -v git >/dev/null || die "no git on this machine: it is needed to check out the bundle"
  rm -rf "$work/llama.cpp"
  git -c advice.detachedHead=false clone -q "$kit/gitRelease.bundle" "$work/llama.cpp"
  [ "$(git -C "$work/llama.cpp" rev-parse HEAD)" = "$pinned_commit" ] || die "the bundle's HEAD is not $pinned_commit"
  local generator=() flags=(-DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON -DGGML_NATIVE=ON
    -DLLAMA_BUILD_COMMON=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_EXAMPLES=OFF
    -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_APP=OFF)
  command -v ninja >/dev/null && generator=(-G Ninja)
  if [ "$cuda" = ON ]; then flags+=(-DGGML_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 -DGGML_CUDA_NCCL=OFF); fi
  # shellcheck disable=SC2206
  flags+=(${GPU_CHECK_CMAKE_FLAGS:-})
  local started=$SECONDS
  cmake -S "$work/llama.cpp" -B "$work/build" "${generator[@]}" "${flags[@]}" > "$work/cmake.log" || { tail -40 "$work/cmake.log"; die "cmake failed"; }
  cmake --build "$work/build" --target llama -j "$jobs" > "$work/build.log" 2>&1 || { tail -40 "$work/build.log"; die "build failed"; }
  echo "built in $((SECONDS - started)) s with $jobs jobs:"; ls "$work/build/bin"
  export LOCALGATE_LLAMA_CPP_LIB_PATH="$work/build/bin"

  echo "== Java"
  local java=java
  if ! command -v java >/dev/null || [ "$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')" -lt 25 ]; then
    tar -C "$work" -xzf "$kit/jre.tar.gz"
    java="$work/jre/bin/java"
  fi
  "$java" -version 2>&1 | head -1
  local cp="$kit/classes/api:$kit/classes/engine:$kit/classes/native:$kit/classes/bench"
  local jvm=(--enable-native-access=ALL-UNNAMED -Xmx4g -cp "$cp")

  echo "== model"
  # shellcheck disable=SC2086
  "$java" "${jvm[@]}" io.localgate.llamacpp.bench.SyntheticLlama "$kit/tokenizer.gguf" "$work/synthetic.gguf" $shape

  echo "== timings"
  if [ "$cuda" = ON ]; then
    "$java" "${jvm[@]}" io.localgate.llamacpp.bench.LlamaBench "$work/synthetic.gguf" GPU -1 "$(nproc)"
  fi
  # the same build with the GPU hidden, so that nothing is offloaded
  CUDA_VISIBLE_DEVICES="" "$java" "${jvm[@]}" io.localgate.llamacpp.bench.LlamaBench "$work/synthetic.gguf" CPU 0 "$(nproc)"
  echo "== done in $SECONDS s"
}

case "${1:-}" in
  prepare) shift; prepare "$@" ;;
  run) shift; run "$@" ;;
  *) die "usage: $0 prepare BUNDLE [MODELS_DIR] | run" ;;
esac
