import Foundation
import PodiumEncryption
import PodiumStorage
import Testing

/// Key files: raw bytes, hex, a passphrase; a file others may read, or too short a
/// passphrase, refused with a message that says what to do.
struct AtRestKeyTests {
    static func keyFile(_ contents: [UInt8], mode: Int = 0o600) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("podium-key-\(UUID())").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data(contents), attributes: [.posixPermissions: mode]))
        return path
    }

    @Test func rawHexAndPassphraseFilesNameStableKeys() throws {
        let raw = (0..<32).map { UInt8($0 * 7 % 256) }
        let hex = Array((raw.map { String(format: "%02x", $0) }.joined() + "\n").utf8)
        let rawKey = try AtRestKey(contentsOf: try Self.keyFile(raw))
        #expect(try AtRestKey(contentsOf: try Self.keyFile(hex)).id == rawKey.id)
        #expect(rawKey.id == AtRestKey(bytes: raw)?.id && rawKey.id.description.count == 16)

        let passphrase = Array("correct horse battery staple 🐎\n".utf8)
        let derived = try AtRestKey(contentsOf: try Self.keyFile(passphrase))
        #expect(try AtRestKey(contentsOf: try Self.keyFile(passphrase)).id == derived.id)
        #expect(derived.id != rawKey.id)
        #expect(AtRestKey(bytes: Array(repeating: 1, count: 32))?.id != AtRestKey(bytes: Array(repeating: 2, count: 32))?.id)
    }

    @Test func aKeyFileOthersMayReadOrTooShortAPassphraseIsRefused() throws {
        let readable = try Self.keyFile(Array(repeating: 9, count: 32), mode: 0o644)
        #expect { try AtRestKey(contentsOf: readable) } throws: { "\($0)".contains("chmod 600") }
        let short = try Self.keyFile(Array("hunter2\n".utf8))
        #expect { try AtRestKey(contentsOf: short) } throws: { "\($0)".contains("at least 16 bytes") }
        #expect { try AtRestKey(contentsOf: "/nonexistent/podium.key") } throws: { "\($0)".contains("cannot read") }
    }

    @Test func theKeyringWritesWithItsKeyAndReadsPreviousOnes() throws {
        let old = try #require(AtRestKey(bytes: Array(repeating: 3, count: 32)))
        let new = try #require(AtRestKey(bytes: Array(repeating: 4, count: 32)))
        let keyring = AtRestKeyring(writing: new, previous: [old])
        #expect(keyring.writingKeyID == new.id)
        let fileID = Array(repeating: UInt8(5), count: 16)
        let sealed = try #require(keyring.cipher(keyID: old.id, fileID: fileID)).seal([1, 2, 3], associatedData: [9])
        let opener = try #require(keyring.cipher(keyID: old.id, fileID: fileID))
        #expect(sealed.withUnsafeBytes { opener.open($0, associatedData: [9]) } == [1, 2, 3])
        #expect(sealed.withUnsafeBytes { opener.open($0, associatedData: [8]) } == nil)
        let otherFile = try #require(keyring.cipher(keyID: old.id, fileID: Array(repeating: 6, count: 16)))
        #expect(sealed.withUnsafeBytes { otherFile.open($0, associatedData: [9]) } == nil)
        #expect(AtRestKeyring(writing: new).cipher(keyID: old.id, fileID: fileID) == nil)
    }

    /// No nonce repeats: not within one cipher sealing from many tasks at once, nor
    /// between two ciphers of the same file (a file reopened after a crash rewrites frames
    /// at offsets it wrote before).
    @Test func noncesNeverRepeatWithinOrAcrossCiphersOfAFile() async throws {
        let key = try #require(AtRestKey(bytes: Array(repeating: 7, count: 32)))
        let keyring = AtRestKeyring(writing: key)
        let fileID = Array(repeating: UInt8(1), count: 16)
        let first = try #require(keyring.cipher(keyID: key.id, fileID: fileID))
        let reopened = try #require(keyring.cipher(keyID: key.id, fileID: fileID))
        let nonces = await withTaskGroup(of: [[UInt8]].self) { group in
            for cipher in [first, first, first, first, reopened, reopened] {
                group.addTask { (0..<2_000).map { _ in Array(cipher.seal([42], associatedData: [0]).prefix(12)) } }
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
        #expect(nonces.count == 12_000 && Set(nonces).count == nonces.count)
        let sealed = first.seal([1, 2, 3], associatedData: [9])
        #expect(sealed.withUnsafeBytes { reopened.open($0, associatedData: [9]) } == [1, 2, 3])
    }
}
