import NIOSSL

/// The server's TLS settings: TLS 1.2 and 1.3 only; in TLS 1.2 only ECDHE key exchange with
/// AEAD ciphers (no RSA key exchange, no CBC, no SHA-1 MACs). TLS 1.3 suites are all AEAD.
enum TLSPolicy {
    /// OpenSSL-style list for TLS 1.2 (BoringSSL ignores it for TLS 1.3).
    static let tls12CipherSuites = [
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305",
        "ECDHE-RSA-CHACHA20-POLY1305",
    ].joined(separator: ":")

    /// `max-age` one year; no `includeSubDomains`, which would bind sibling hosts too.
    static let strictTransportSecurity = "max-age=31536000"

    static func serverConfiguration(
        certificateChain: [NIOSSLCertificate],
        privateKey: NIOSSLPrivateKey
    ) -> TLSConfiguration {
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: certificateChain.map { .certificate($0) },
            privateKey: .privateKey(privateKey)
        )
        tls.minimumTLSVersion = .tlsv12
        tls.cipherSuites = self.tls12CipherSuites
        return tls
    }
}
