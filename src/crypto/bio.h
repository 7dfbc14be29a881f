// Memory BIOs: how bytes go into and come out of OpenSSL's encoders and decoders.
#pragma once

#include <string>

#include "core/bytes.h"
#include "core/result.h"
#include "crypto/handles.h"

namespace nimbus::crypto {

// A read-only BIO over `data`, which must outlive it.
BioPtr memory_reader(ByteView data);

// An empty, growable memory BIO.
BioPtr memory_writer();

// Everything written to a memory BIO so far.
Bytes bio_contents(BIO* bio);
std::string bio_text(BIO* bio);

// True if `data` looks like PEM (a "-----BEGIN " line, after optional leading text); else DER.
bool looks_like_pem(ByteView data);

}  // namespace nimbus::crypto
