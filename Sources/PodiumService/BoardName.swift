/// Board names: 1 to 64 characters of `A-Z a-z 0-9 _ . -` (SPEC section 3), so they are
/// safe in URLs, file names and logs as they are.
public enum BoardName {
    public static let maxLength = 64

    public static func isValid(_ name: String) -> Bool {
        let utf8 = name.utf8
        return !utf8.isEmpty && utf8.count <= maxLength
            && utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == 0x5F || byte == 0x2E || byte == 0x2D
            }
    }

    public static func validate(_ name: String) throws(ServiceError) {
        guard isValid(name) else { throw .invalidBoardName(name) }
    }
}
