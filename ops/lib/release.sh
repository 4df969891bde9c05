# Builds release products as docker/Dockerfile ships them, with the Swift runtime and Foundation
# linked statically, so that benchmarks measure (memory, CPU) the binary that runs in production.
# Sourced by ops scripts.

# build_release PRODUCT...: `swift build -c release --static-swift-stdlib` for each product.
build_release() {
  local product
  for product in "$@"; do
    swift build -c release --static-swift-stdlib --product "$product" || return 1
  done
}
