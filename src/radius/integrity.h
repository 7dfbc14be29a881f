// Whether a RADIUS packet comes from who shares our secret, and sealing the packets we send:
// authenticators (RFC 2865 §3, RFC 2866 §3) and the Message-Authenticator (RFC 3579 §3.2).
//
// Every comparison runs in constant time. Nothing here logs, and no error names the secret.
#pragma once

#include "core/bytes.h"
#include "core/result.h"
#include "radius/packet.h"

namespace nimbus::radius {

// An Access-Request or Status-Server must carry exactly one Message-Authenticator of 16 octets,
// and it must be the HMAC-MD5, keyed with the secret, of the packet with that value zeroed. Nimbus
// requires it of every such request, whatever the request carries (the BlastRADIUS mitigation,
// CVE-2024-3596): kPermissionDenied when it is missing, repeated, misshapen or wrong.
Status check_message_authenticator(const Packet& request, ByteView secret);

// An Accounting-Request's Request Authenticator: MD5 over the packet with a zero authenticator,
// followed by the secret. kPermissionDenied when it differs.
Status check_accounting_authenticator(const Packet& request, ByteView secret);

// The wire form of a response to the request whose authenticator is `request_authenticator`: a
// Message-Authenticator placed first (any the packet held is dropped) and computed over the
// response carrying the request's authenticator, then the Response Authenticator, MD5 over the
// packet, the request's authenticator and the secret. An Accounting-Response carries no
// Message-Authenticator (any it held is dropped). kInvalidArgument when the response would exceed 4,096 octets.
Result<Bytes> seal_response(Packet response, const Authenticator& request_authenticator, ByteView secret);

// The wire form of an Access-Request or Status-Server, as a client sends it: the packet's own
// (random) authenticator and a Message-Authenticator placed first.
Result<Bytes> seal_request(Packet request, ByteView secret);

// What a client checks of a response: the Response Authenticator, and the Message-Authenticator
// when present (required in answers to Access-Requests). kPermissionDenied when either is wrong.
Status check_response(const Packet& response, const Authenticator& request_authenticator, ByteView secret);

}  // namespace nimbus::radius
