// Memory BIOs: how bytes go into and come out of OpenSSL's encoders and decoders.
#pragma once

#include <string>
#include <vector>

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

// One PEM block: its label ("CERTIFICATE REQUEST") and the DER its base64 holds.
struct PemBlock {
  std::string name;
  Bytes der;
};

// Every PEM block in `data`, in order, whatever its label; text around the blocks is skipped, as
// OpenSSL skips it. Readers of one object use it to see a second one instead of ignoring it.
// kMalformed "PEM block N is damaged (...)" when a block's base64 or END line is wrong; no block at
// all is an empty list.
Result<std::vector<PemBlock>> read_pem_blocks(ByteView data);

}  // namespace nimbus::crypto
