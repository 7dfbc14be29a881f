// Everything a StoreReader can show, as one text: two calls return the same text exactly when the
// store holds the same data, so "this write changed nothing" is one comparison.
#pragma once

#include <string>

#include "core/result.h"
#include "store/store.h"

namespace nimbus::store::conformance {

// Every authority (with its revocations, latest CRL and current OCSP signer), certificate,
// profile, enrollment, tally and audit event, one per line. Made from several reads, so it is one
// committed state only when no write runs meanwhile.
Result<std::string> store_contents(StoreReader& store);

}  // namespace nimbus::store::conformance
