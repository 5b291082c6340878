import Crypto
import Foundation
import SwiftASN1
import X509

/// A certificate authority made for one server, and the server certificate it signs:
/// what `podiumd` creates on first start so it serves HTTPS with no setup. Clients trust
/// the CA file (`curl --cacert`, `podium --cacert`). The CA's private key is never
/// stored: nothing else can be signed with it.
public struct SelfSignedCertificate: Sendable {
    /// PEM of the CA certificate, for clients.
    public var authorityPEM: String
    /// PEM of the server certificate followed by the CA's (the chain the server sends).
    public var chainPEM: String
    /// PEM of the server's private key (P-256).
    public var privateKeyPEM: String

    /// Makes a CA and a server certificate for `hosts` (DNS names and IP addresses),
    /// valid from an hour ago for `days`.
    public init(hosts: [String], days: Int = 825) throws {
        let now = Date()
        let notBefore = now - 3600, notAfter = now + Double(days) * 86_400
        let authorityKey = P256.Signing.PrivateKey()
        let authorityName = try DistinguishedName {
            OrganizationName("Podium")
            CommonName("Podium local CA \(UUID().uuidString.prefix(8))")
        }
        let authority = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(authorityKey.publicKey),
            notValidBefore: notBefore, notValidAfter: notAfter, issuer: authorityName, subject: authorityName,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            },
            issuerPrivateKey: .init(authorityKey))

        let serverKey = P256.Signing.PrivateKey()
        let serverName = try DistinguishedName {
            OrganizationName("Podium")
            CommonName(hosts.first ?? "localhost")
        }
        let names = hosts.map { host -> GeneralName in
            if let address = IPv4Address(host) { return .ipAddress(ASN1OctetString(contentBytes: ArraySlice(address.bytes))) }
            return .dnsName(host)
        }
        let server = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(serverKey.publicKey),
            notValidBefore: notBefore, notValidAfter: notAfter, issuer: authorityName, subject: serverName,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(names)
            },
            issuerPrivateKey: .init(authorityKey))

        authorityPEM = try authority.serializeAsPEM().pemString
        chainPEM = try server.serializeAsPEM().pemString + "\n" + authorityPEM
        privateKeyPEM = serverKey.pemRepresentation
    }
}

/// A dotted-quad IPv4 address, for subject alternative names.
struct IPv4Address {
    let bytes: [UInt8]

    init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard let byte = UInt8(part), String(byte) == part else { return nil }
            bytes.append(byte)
        }
        self.bytes = bytes
    }
}
