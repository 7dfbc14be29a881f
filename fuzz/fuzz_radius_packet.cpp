// Fuzzes reading RADIUS datagrams: what anyone who can reach the UDP port sends, before the
// secret has been checked, down to the EAP packet and EAP-TLS fragment inside. Whatever the reader accepts must be written back as the octets it read
// (the integrity checks depend on that), checked against the secret without fault, and sealed
// as a response that reads back the same.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "radius/eap.h"
#include "radius/integrity.h"
#include "radius/mppe.h"
#include "radius/packet.h"

#include "input_scope.h"

namespace {

// The secret the seeds were made with (fuzz/make-seeds), so that mutations of them reach the code
// past a passing check.
const nimbus::ByteView kSecret = nimbus::as_bytes("fuzzing");

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace nimbus::radius;
  nimbus::fuzz::InputScope scope;
  nimbus::ByteView datagram(data, size);
  auto packet = decode_packet(datagram);
  if (!packet.ok()) return 0;
  auto wire = encode_packet(*packet);
  if (!wire.ok() || nimbus::ByteView(*wire).size() > size ||
      !std::equal(wire->begin(), wire->end(), datagram.begin())) {
    __builtin_trap();
  }
  auto eap = decode_eap(packet->joined(attribute::kEapMessage));
  if (eap.ok()) {
    if (encode_eap(*eap) != packet->joined(attribute::kEapMessage)) __builtin_trap();
    if (eap->type == eap_type::kTls) {
      auto fragment = decode_tls_fragment(eap->data);
      if (fragment.ok()) {
        TlsReassembly reassembly(16 * 1024);
        auto whole = reassembly.add(*fragment);
        if (whole.ok() && *whole && reassembly.take() != fragment->records) __builtin_trap();
        if (!whole.ok() && reassembly.size() != 0) __builtin_trap();
      }
    }
  }
  (void)check_message_authenticator(*packet, kSecret);
  (void)check_accounting_authenticator(*packet, kSecret);
  for (auto which : {MppeKey::kSend, MppeKey::kRecv}) (void)recover_mppe_key(*packet, which, kSecret, packet->authenticator);
  // A packet that fitted with its attributes still fits once sealed, unless it had no
  // Message-Authenticator to make room for one.
  auto sealed = seal_response(*packet, packet->authenticator, kSecret);
  if (sealed.ok()) {
    auto again = decode_packet(*sealed);
    if (!again.ok() || !check_response(*again, packet->authenticator, kSecret).ok()) __builtin_trap();
  }
  return 0;
}
