// Cursors: where the next page of a listing starts. A page answers {"items": [...],
// "next_cursor": "..."} and the client asks for the next one with ?cursor=; a null next_cursor is
// the last page. A cursor is opaque to clients and names its listing, so one listing's cursor is
// refused by another instead of silently starting somewhere else.
//
// A cursor holds a position (the last item's keys), never an offset: a page stays correct while
// new items arrive, and costs the same however deep it is.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "store/records.h"

namespace nimbus::api {

// `fields` must not contain line breaks (they are keys: serials, numbers, ids).
std::string encode_cursor(std::string_view listing, const std::vector<std::string>& fields);

// The fields of a cursor of `listing`; kInvalidArgument for anything this server did not make for
// that listing with `field_count` fields.
Result<std::vector<std::string>> decode_cursor(std::string_view cursor, std::string_view listing,
                                               std::size_t field_count);

std::string certificate_cursor(const store::CertificatePosition& position);
Result<store::CertificatePosition> decode_certificate_cursor(std::string_view cursor);

// For listings kept in order by a number (the audit trail's sequence).
std::string sequence_cursor(std::string_view listing, std::uint64_t sequence);
Result<std::uint64_t> decode_sequence_cursor(std::string_view cursor, std::string_view listing);

}  // namespace nimbus::api
