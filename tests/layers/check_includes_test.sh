#!/usr/bin/env bash
# The include check catches what it promises to: a lower part including a higher one, product code
# including test code or OpenSSL outside crypto/ and x509/, and a cycle in the declared parts. Each
# case is a small source tree of its own, checked with the real script and the real part table.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
check="$root/scripts/check-includes"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

fail() { echo "FAIL: $*"; exit 1; }

# A tree with the real part table and one file per part named on the command line.
make_tree() {
  rm -rf "$work/tree"
  mkdir -p "$work/tree/src"
  cp "$root/src/CMakeLists.txt" "$work/tree/src/"
}
add_file() {  # add_file PATH CONTENT
  mkdir -p "$(dirname "$work/tree/src/$1")"
  printf '%s\n' "$2" > "$work/tree/src/$1"
}
expect_refused() {  # expect_refused WHAT EXPECTED_TEXT
  local output
  if output="$("$check" "$work/tree" 2>&1)"; then fail "$1: accepted"; fi
  grep -qF -- "$2" <<<"$output" || fail "$1: expected '$2' in: $output"
  echo "ok: $1 refused"
}

make_tree
add_file core/result.h '#pragma once'
add_file store/store.h '#include "core/result.h"'
add_file ca/authorities.h '#include "store/store.h"'
"$check" "$work/tree" >/dev/null || fail "a tree that keeps its layers was refused"
echo "ok: a tree within its layers passes"

add_file store/store.cpp '#include "ca/authorities.h"'
expect_refused "store including ca" 'part store may not include "ca/authorities.h" (part ca)'

make_tree
add_file core/result.h '#pragma once'
add_file revocation/ocsp_test_fixture.h '#include "core/result.h"'
add_file revocation/ocsp_responder.cpp '#include "revocation/ocsp_test_fixture.h"'
expect_refused "product code including a test fixture" 'product code includes the test file'

make_tree
add_file verify/path_builder.cpp '#include <openssl/x509.h>'
expect_refused "OpenSSL header outside crypto/ and x509/" '<openssl/x509.h> in part verify'

make_tree
add_file verify/path_builder.cpp 'void f() { X509_free(nullptr); }'
expect_refused "OpenSSL call outside crypto/ and x509/" 'X509_free() in part verify'

make_tree
add_file x509/certificate.cpp 'void f() { X509_free(nullptr); }'
add_file verify/path_builder_test.cpp '#include <openssl/x509.h>'
"$check" "$work/tree" >/dev/null || fail "OpenSSL in x509/ or in a test was refused"
echo "ok: OpenSSL in x509/ and in tests passes"

make_tree
add_file newpart/thing.cpp '#pragma once'
expect_refused "a folder in no part" 'in no part'

make_tree
sed -i 's/nimbus_part(core DIRECTORY core /nimbus_part(core DIRECTORY core USES crypto /' "$work/tree/src/CMakeLists.txt"
expect_refused "a cycle between parts" 'in a cycle'
