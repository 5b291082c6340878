#!/usr/bin/env bash
# Builds the libFuzzer targets (ops/fuzz/README.md) into .build-fuzz/bin/ (git-ignored):
#
#   ops/fuzz/build.sh                 every target
#   ops/fuzz/build.sh segment query   those targets
#   ops/fuzz/build.sh seeds           the seed generator, and runs it: rewrites the
#                                     generated seeds under Tests/FuzzCorpus/{segment,snapshot}
#
# No SwiftPM: each module the targets need is compiled from its sources with swiftc
# (-sanitize=fuzzer,address, -O, -enable-testing so a target can use internals).
# PodiumEngine (with PodiumPrefetch's header), PodiumSync and PodiumStorage are compiled whole; of
# PodiumHTTP and podiumd only the decoders. PodiumHTTP's decoders and podiumd's ConfigFile compile
# against small stand-ins for the one or two types they use from Hummingbird and ArgumentParser
# (ops/fuzz/shims).
# A module is rebuilt when one of its sources is newer than its object.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
FUZZ="$ROOT/ops/fuzz"
OUT="${FUZZ_BUILD_DIR:-$ROOT/.build-fuzz}"
SWIFTC="${SWIFTC:-swiftc}"
ALL_TARGETS=(segment snapshot submission query config)


targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then targets=("${ALL_TARGETS[@]}"); fi

# build_module VARIANT NAME "DEPENDENCY..." SOURCE... : VARIANT fuzz (instrumented) or plain
# (the seed generator); rebuilt when a source or a dependency's module is newer.
build_module() {
    local variant=$1 name=$2 dependencies=$3
    shift 3
    local dir="$OUT/$variant" inputs=("$@") dependency
    for dependency in $dependencies; do inputs+=("$dir/modules/$dependency.swiftmodule"); done
    mkdir -p "$dir/modules" "$dir/obj"
    local object="$dir/obj/$name.o"
    if [ -f "$object" ] && [ -z "$(find "${inputs[@]}" -newer "$object" | head -1)" ]; then return 0; fi
    echo "  compiling $variant module $name ($# files)"
    # PodiumEngine's one C module (a header: nothing to compile or link) is found by its module map.
    local flags=(-O -g -parse-as-library -swift-version 6 -enable-testing -package-name Podium -wmo -num-threads 0
        -I "$ROOT/Sources/PodiumPrefetch/include")
    if [ "$variant" = fuzz ]; then flags+=(-sanitize=fuzzer,address); fi
    # Module file first: a failed compile leaves no object that looks up to date.
    rm -f "$object"
    "$SWIFTC" "${flags[@]}" -module-name "$name" -I "$dir/modules" \
        -emit-module -emit-module-path "$dir/modules/$name.swiftmodule" -c "$@" -o "$object.tmp"
    mv "$object.tmp" "$object"
}

# link VARIANT BINARY MODULE... : MODULE objects into .build-fuzz/VARIANT/bin/BINARY.
link() {
    local variant=$1 binary=$2
    shift 2
    local dir="$OUT/$variant" objects=() module
    for module in "$@"; do objects+=("$dir/obj/$module.o"); done
    mkdir -p "$dir/bin"
    if [ -f "$dir/bin/$binary" ] && [ -z "$(find "${objects[@]}" -newer "$dir/bin/$binary" | head -1)" ]; then return 0; fi
    echo "  linking $binary"
    local flags=()
    if [ "$variant" = fuzz ]; then flags+=(-sanitize=fuzzer,address); fi
    "$SWIFTC" "${flags[@]}" -use-ld=lld "${objects[@]}" -o "$dir/bin/$binary"
}

engine() { build_module "$1" PodiumEngine "" "$ROOT"/Sources/PodiumEngine/*.swift; }
storage() {
    engine "$1"
    build_module "$1" PodiumSync "" "$ROOT"/Sources/PodiumSync/*.swift
    build_module "$1" PodiumStorage "PodiumEngine PodiumSync" "$ROOT"/Sources/PodiumStorage/*.swift
}
http() {
    engine fuzz
    build_module fuzz PodiumAPI PodiumEngine "$ROOT"/Sources/PodiumAPI/*.swift
    build_module fuzz Hummingbird "" "$FUZZ/shims/Hummingbird.swift"
    build_module fuzz PodiumHTTP "PodiumEngine PodiumAPI Hummingbird" "$ROOT/Sources/PodiumHTTP/SubmissionReader.swift" "$ROOT/Sources/PodiumHTTP/RequestDecoding.swift" \
        "$ROOT/Sources/PodiumHTTP/PercentDecoding.swift" "$FUZZ/shims/Problem.swift"
}

for target in "${targets[@]}"; do
    echo "building $target"
    case "$target" in
    segment | snapshot)
        storage fuzz
        build_module fuzz "Fuzz_$target" "PodiumEngine PodiumSync PodiumStorage" "$FUZZ/targets/$target.swift" "$FUZZ/targets/StorageSupport.swift" "$FUZZ/targets/Check.swift"
        link fuzz "$target" PodiumEngine PodiumSync PodiumStorage "Fuzz_$target"
        ;;
    submission)
        http
        build_module fuzz Fuzz_submission "PodiumEngine PodiumAPI Hummingbird PodiumHTTP" "$FUZZ/targets/submission.swift" "$FUZZ/targets/RequestSupport.swift" "$FUZZ/targets/Check.swift"
        link fuzz submission PodiumEngine PodiumAPI Hummingbird PodiumHTTP Fuzz_submission
        ;;
    query)
        http
        build_module fuzz PodiumClient "" "$ROOT/Sources/PodiumClient/PercentEncoding.swift"
        build_module fuzz Fuzz_query "PodiumEngine PodiumAPI Hummingbird PodiumHTTP PodiumClient" "$FUZZ/targets/query.swift" "$FUZZ/targets/RequestSupport.swift" "$FUZZ/targets/Check.swift"
        link fuzz query PodiumEngine PodiumAPI Hummingbird PodiumHTTP PodiumClient Fuzz_query
        ;;
    config)
        build_module fuzz ArgumentParser "" "$FUZZ/shims/ArgumentParser.swift"
        build_module fuzz podiumd ArgumentParser "$ROOT/Sources/podiumd/ConfigFile.swift"
        build_module fuzz Fuzz_config "ArgumentParser podiumd" "$FUZZ/targets/config.swift" "$FUZZ/targets/Check.swift"
        link fuzz config ArgumentParser podiumd Fuzz_config
        ;;
    seeds)
        storage plain
        build_module plain GenerateSeeds "PodiumEngine PodiumSync PodiumStorage" "$FUZZ/seeds/GenerateSeeds.swift" "$FUZZ/targets/StorageSupport.swift" "$FUZZ/targets/Check.swift"
        link plain generate-seeds PodiumEngine PodiumSync PodiumStorage GenerateSeeds
        "$OUT/plain/bin/generate-seeds" "$ROOT/Tests/FuzzCorpus"
        ;;
    *)
        echo "unknown target '$target' (targets: ${ALL_TARGETS[*]} seeds)" >&2
        exit 2
        ;;
    esac
done
echo "built into $OUT/fuzz/bin"
