import Hummingbird
import PodiumAPI
import PodiumService

/// The bodies of the hot routes, written with ``JSONWriter`` (keys sorted).

extension EntryBody: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.key("member")
            json.string(member)
            if let metadataJSON {
                json.key("metadata")
                json.json(metadataJSON)
            }
            json.key("percentile")
            json.number(percentile)
            json.key("rank")
            json.number(rank)
            json.key("score")
            json.number(score)
            json.key("shared_rank")
            json.number(sharedRank)
        }
    }
}

extension PageBody: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.key("entries")
            json.array(entries) { json, entry in entry.write(to: &json) }
            json.key("total")
            json.number(total)
        }
    }
}

extension CountBody: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.key("count")
            json.number(count)
        }
    }
}

extension SubmitResultBody: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.key("changed")
            json.bool(changed)
            json.field("evicted", evicted)
            json.field("member", member)
            if let metadataJSON {
                json.key("metadata")
                json.json(metadataJSON)
            }
            json.field("percentile", percentile)
            json.field("previous_rank", previousRank)
            json.field("previous_score", previousScore)
            json.field("rank", rank)
            json.field("score", score)
            json.field("shared_rank", sharedRank)
        }
    }
}

extension BatchResponseBody: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.key("results")
            json.array(results) { json, result in
                json.object { json in writeOutcome(result: result.result, error: result.error, to: &json) }
            }
        }
    }
}

extension ManyBoardsResponseBody: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.key("results")
            json.array(results) { json, result in
                json.object { json in
                    json.field("board", result.board)
                    writeOutcome(result: result.result, error: result.error, to: &json)
                }
            }
        }
    }
}

/// One of the two keys, as the schema has it: the result, or the entry's problem.
private func writeOutcome(result: SubmitResultBody?, error: ProblemBody?, to json: inout JSONWriter) {
    if let error {
        json.key("error")
        error.write(to: &json)
    }
    if let result {
        json.key("result")
        result.write(to: &json)
    }
}

extension LookupResponseBody: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.key("entries")
            json.array(entries) { json, entry in entry.write(to: &json) }
            json.key("missing")
            json.array(missing) { json, member in json.string(member) }
        }
    }
}

extension ProblemBody: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.key("code")
            json.string(code)
            json.key("detail")
            json.string(detail)
            json.key("status")
            json.number(status)
            json.key("title")
            json.string(title)
            json.key("type")
            json.string(type)
        }
    }
}

/// A body written with ``JSONWriter``.
protocol JSONWritable {
    func write(to json: inout JSONWriter)
}

extension Response {
    /// `body` as JSON with `status`.
    static func json(_ body: some JSONWritable, status: HTTPResponse.Status = .ok, contentType: String = "application/json") -> Response {
        var writer = JSONWriter()
        body.write(to: &writer)
        return Response(status: status, headers: [.contentType: contentType], body: .init(byteBuffer: writer.withBytes { ByteBuffer(bytes: $0) }))
    }
}
