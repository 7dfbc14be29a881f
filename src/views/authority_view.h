// How authorities are shown: as text for people and as JSON for scripts (schema: docs/json.md).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ca/publication_urls.h"
#include "core/result.h"
#include "store/store.h"
#include "x509/certificate.h"

namespace nimbus::views {

// An authority with what is derived from its record, gathered once for display.
struct AuthorityView {
  store::AuthorityRecord record;
  std::optional<x509::Certificate> certificate;  // absent while pending
  std::optional<store::CrlRecord> latest_crl;
};

Result<AuthorityView> make_authority_view(store::StoreReader& store, store::AuthorityRecord record);

nlohmann::json authority_json(const AuthorityView& view, const ca::PublicationUrls& urls);

// The full `ca show` text.
std::string authority_text(const AuthorityView& view, const ca::PublicationUrls& urls);

// The `ca list` table.
std::string authority_table(const std::vector<AuthorityView>& views);

}  // namespace nimbus::views
