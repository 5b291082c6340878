import PodiumTestSupport
import Testing

@testable import PodiumClient

struct PercentEncodingTests {
    @Test func encodesEveryByteOutsideUnreservedASCII() {
        #expect(PercentEncoding.encode("José") == "Jos%C3%A9")
        #expect(PercentEncoding.encode("a b/c") == "a%20b%2Fc")
        #expect(PercentEncoding.encode("+1,2") == "%2B1%2C2")
        for id in AwkwardMemberIDs.all where id != "." && id != ".." {
            #expect(PercentEncoding.pathSegment(id) == AwkwardMemberIDs.percentEncoded(id))
        }
    }

    @Test func dotSegmentsAreEncodedSoNoURLHandlingRemovesThem() {
        #expect(PercentEncoding.pathSegment("..") == "%2E%2E")
        #expect(PercentEncoding.pathSegment(".") == "%2E")
        #expect(PercentEncoding.pathSegment("a..") == "a..")
    }
}
