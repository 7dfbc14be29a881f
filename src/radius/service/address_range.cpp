#include "radius/service/address_range.h"

#include <charconv>
#include <optional>

#include <fmt/format.h>

namespace nimbus::radius {

namespace {

struct Octets {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};
};

Octets octets_of(const boost::asio::ip::address& address) {
  Octets out;
  if (address.is_v6()) {
    boost::asio::ip::address_v6 v6 = address.to_v6();
    if (v6.is_v4_mapped()) return octets_of(boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6));
    out.v6 = true;
    out.bytes = v6.to_bytes();
  } else {
    auto v4 = address.to_v4().to_bytes();
    std::copy(v4.begin(), v4.end(), out.bytes.begin());
  }
  return out;
}

bool same_prefix(const std::array<std::uint8_t, 16>& a, const std::array<std::uint8_t, 16>& b, int prefix) {
  int whole = prefix / 8;
  for (int i = 0; i < whole; ++i) {
    if (a[i] != b[i]) return false;
  }
  int rest = prefix % 8;
  if (rest == 0) return true;
  auto mask = static_cast<std::uint8_t>(0xFF << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

}  // namespace

Result<AddressRange> AddressRange::parse(std::string_view text) {
  auto refuse = [&] {
    return Error(ErrorCode::kInvalidArgument, fmt::format("'{}' is not an address or CIDR range", text));
  };
  std::string_view address_text = text;
  std::optional<int> prefix;
  if (std::size_t slash = text.find('/'); slash != std::string_view::npos) {
    address_text = text.substr(0, slash);
    std::string_view digits = text.substr(slash + 1);
    int value = -1;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) return refuse();
    prefix = value;
  }
  boost::system::error_code ec;
  boost::asio::ip::address address = boost::asio::ip::make_address(std::string(address_text), ec);
  if (ec) return refuse();
  Octets octets = octets_of(address);
  int bits = octets.v6 ? 128 : 32;
  if (prefix && (*prefix < 0 || *prefix > bits)) return refuse();
  AddressRange range;
  range.v6_ = octets.v6;
  range.bytes_ = octets.bytes;
  range.prefix_ = prefix.value_or(bits);
  // Bits below the prefix must be zero.
  for (int bit = range.prefix_; bit < bits; ++bit) {
    if ((range.bytes_[bit / 8] >> (7 - bit % 8)) & 1) {
      return Error(ErrorCode::kInvalidArgument,
                   fmt::format("'{}' has host bits set below its /{} prefix", text, range.prefix_));
    }
  }
  return range;
}

bool AddressRange::contains(const boost::asio::ip::address& address) const {
  Octets octets = octets_of(address);
  return octets.v6 == v6_ && same_prefix(octets.bytes, bytes_, prefix_);
}

std::string AddressRange::to_string() const {
  boost::asio::ip::address address;
  if (v6_) {
    address = boost::asio::ip::address_v6(bytes_);
  } else {
    address = boost::asio::ip::address_v4({bytes_[0], bytes_[1], bytes_[2], bytes_[3]});
  }
  int bits = v6_ ? 128 : 32;
  return prefix_ == bits ? address.to_string() : fmt::format("{}/{}", address.to_string(), prefix_);
}

}  // namespace nimbus::radius
