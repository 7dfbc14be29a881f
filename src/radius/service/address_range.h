// AddressRange: an IPv4 or IPv6 address, or a CIDR range of them, as a NAS client or a policy names
// one ("10.0.0.0/8", "192.0.2.7", "2001:db8::/32").
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/asio/ip/address.hpp>

#include "core/result.h"

namespace nimbus::radius {

class AddressRange {
 public:
  AddressRange() = default;
  // kInvalidArgument for text that is neither an address nor one followed by /0../32 (/0../128).
  // Bits below the prefix must be zero ("10.0.0.1/8" is refused: it is likely a mistake).
  static Result<AddressRange> parse(std::string_view text);

  // An IPv4-mapped IPv6 address (::ffff:10.0.0.1) is the IPv4 address it maps.
  bool contains(const boost::asio::ip::address& address) const;
  int prefix_length() const { return prefix_; }
  std::string to_string() const;

 private:
  bool v6_ = false;
  std::array<std::uint8_t, 16> bytes_{};
  int prefix_ = 0;
};

}  // namespace nimbus::radius
