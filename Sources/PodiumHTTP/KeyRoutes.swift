import Hummingbird
import PodiumAPI
import PodiumService

/// `/v1/keys`: admins create (the secret is in that answer only), list and revoke keys.
struct KeyRoutes {
    let access: any AccessStore

    func register(on admins: some RouterMethods<PodiumRequestContext>) {
        admins.post("keys") { request, context in
            let body = try await request.decodeJSON(KeyRequestBody.self, context: context)
            let (key, secret) = try await access.createKey(name: body.name, role: body.role.role)
            return try Response.json(KeyBody(key, secret: secret), status: .created)
        }
        admins.get("keys") { _, _ in
            try Response.json(KeyListBody(keys: try await access.listKeys().map { KeyBody($0) }))
        }
        admins.delete("keys/:name") { _, context in
            try await access.revokeKey(name: context.parameters.decoded("name"))
            return Response(status: .noContent)
        }
    }
}
